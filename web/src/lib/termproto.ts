// Wire formats of the two terminals: Kubernetes' exec channel protocol
// (each binary frame starts with a channel byte) and Paddock's browser
// shell (binary frames are raw terminal bytes, text frames are JSON control).

export interface Codec {
  protocols: string[]
  /** encode keyboard input. */
  input(data: Uint8Array): ArrayBuffer | string
  resize(cols: number, rows: number): ArrayBuffer | string
  /** decode a frame: output bytes, or a final status message. */
  output(frame: ArrayBuffer | string): { data?: Uint8Array; status?: string }
}

const enc = new TextEncoder()

function framed(ch: number, body: Uint8Array): ArrayBuffer {
  const b = new Uint8Array(body.length + 1)
  b[0] = ch
  b.set(body, 1)
  return b.buffer
}

export const k8sExec: Codec = {
  protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
  input: (d) => framed(0, d),
  resize: (cols, rows) => framed(4, enc.encode(JSON.stringify({ Width: cols, Height: rows }))),
  output(frame) {
    if (typeof frame === 'string') return {}
    const b = new Uint8Array(frame)
    if (b.length === 0) return {}
    const ch = b[0]
    const body = b.subarray(1)
    if (ch === 1 || ch === 2) return { data: body }
    if (ch === 3) {
      try {
        const s = JSON.parse(new TextDecoder().decode(body))
        return { status: s.status === 'Success' ? 'session ended' : s.message || 'session ended with an error' }
      } catch {
        return { status: new TextDecoder().decode(body) }
      }
    }
    return {}
  },
}

export const paddockShell: Codec = {
  protocols: [],
  input: (d) => d.slice().buffer,
  resize: (cols, rows) => JSON.stringify({ type: 'resize', cols, rows }),
  output(frame) {
    if (typeof frame === 'string') {
      try {
        const m = JSON.parse(frame)
        if (m.type === 'exit' || m.type === 'error') return { status: m.message || 'session ended' }
      } catch {
        /* ignore */
      }
      return {}
    }
    return { data: new Uint8Array(frame) }
  },
}

/** wsURL turns a same-origin path into a ws(s) URL. */
export function wsURL(path: string, loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`
}
