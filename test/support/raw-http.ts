/** Requests whose body is sent only in part, to see what the server does before it has the whole body. */
import http from 'node:http'
import net from 'node:net'

export interface EarlyReply {
  status: number
  headers: Headers
  body: any
  /** Body bytes the client had sent when the answer came. */
  sentBytes: number
}

/**
 * Sends the request line and headers (with Content-Length: the whole body's length) and only the first
 * `sendBytes` of `body`, then waits for an answer without sending more. Rejects when none comes within
 * `waitMs`: a server that reads the body before answering never answers such a request.
 */
export function sendPartially(
  url: string,
  options: { method?: string; headers: Record<string, string>; body: Buffer; sendBytes: number; waitMs?: number },
): Promise<EarlyReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers: { ...options.headers, 'content-length': String(options.body.length) } })
    const timer = setTimeout(() => {
      req.destroy()
      reject(new Error(`no answer within ${options.waitMs ?? 5000} ms while ${options.sendBytes} of ${options.body.length} body bytes were sent`))
    }, options.waitMs ?? 5000)
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => {
        clearTimeout(timer)
        req.destroy()
        const json = (res.headers['content-type'] ?? '').includes('json') && text !== ''
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
        resolve({ status: res.statusCode ?? 0, headers, body: json ? JSON.parse(text) : text, sentBytes: options.sendBytes })
      })
    })
    req.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    req.write(options.body.subarray(0, options.sendBytes))
  })
}

/**
 * Opens a TCP connection, writes `text` (e.g. headers and a partial body) and resolves when the server
 * closes the connection, with how long that took and what it sent; rejects after `waitMs`.
 */
export function untilServerCloses(port: number, text: string, waitMs: number): Promise<{ ms: number; received: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server kept the connection open for ${waitMs} ms; received: ${JSON.stringify(received)}`))
    }, waitMs)
    socket.on('data', (d) => (received += d))
    socket.on('error', () => {}) // a reset is a close too
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ ms: Date.now() - started, received })
    })
    socket.write(text)
  })
}
