// The baseline for the benchmarks: a bare node:http server that reads the body, JSON.parses it and answers
// 200 {"success":true} (or, with BARE_REPLY_FILE, that file's fixed JSON: a response as large as the
// engine's); a GET (no body) gets the same answer without parsing. No framework, no validation, no
// storage. Prints its port on stdout.
import fs from 'node:fs'
import http from 'node:http'

const REPLY = process.env.BARE_REPLY_FILE ? fs.readFileSync(process.env.BARE_REPLY_FILE, 'utf8') : '{"success":true}'

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(REPLY) })
      res.end(REPLY)
      return
    }
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end('{"success":false}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(REPLY) })
    res.end(REPLY)
  })
})
server.keepAliveTimeout = 65_000

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
