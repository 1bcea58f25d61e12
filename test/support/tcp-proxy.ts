/**
 * A loopback TCP proxy that a test can cut and restore, to make a backend "drop" for one engine
 * without stopping the shared server other tests use.
 */
import net from 'node:net'

export class TcpProxy {
  readonly #server: net.Server
  readonly #sockets = new Set<net.Socket>()
  #open = true
  port = 0

  private constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      if (!this.#open) return client.destroy()
      const upstream = net.connect(targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => this.#sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort)
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve))
    proxy.port = (proxy.#server.address() as net.AddressInfo).port
    return proxy
  }

  /** Drops every connection and refuses new ones (connections are accepted then closed). */
  cut(): void {
    this.#open = false
    for (const s of this.#sockets) s.destroy()
  }

  restore(): void {
    this.#open = true
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
