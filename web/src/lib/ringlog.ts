// A bounded log buffer: following a chatty pod for an hour keeps at most
// `cap` lines (the oldest are dropped and counted), so the tab's memory stays
// flat (Rancher dashboard#7156 ran browsers out of memory).
export class RingLog {
  private lines: string[] = []
  private start = 0
  dropped = 0
  readonly cap: number
  constructor(cap = 20000) {
    this.cap = cap
  }
  push(line: string) {
    if (this.lines.length < this.cap) {
      this.lines.push(line)
      return
    }
    this.lines[this.start] = line
    this.start = (this.start + 1) % this.cap
    this.dropped++
  }
  get length() {
    return this.lines.length
  }
  at(i: number): string {
    return this.lines[(this.start + i) % this.lines.length]
  }
  toArray(): string[] {
    return this.lines.slice(this.start).concat(this.lines.slice(0, this.start))
  }
  clear() {
    this.lines = []
    this.start = 0
    this.dropped = 0
  }
}
