import { closeSync, openSync, writeSync } from "node:fs";
import avro from "avsc";

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const headerType = avro.Type.forSchema({
  type: "record",
  name: "org.apache.avro.file.Header",
  fields: [
    { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
    { name: "meta", type: { type: "map", values: "bytes" } },
    { name: "sync", type: { type: "fixed", name: "Sync", size: 16 } },
  ],
});
const longType = avro.Type.forSchema("long");

/**
 * Avro object container file writer (uncompressed), readable by any Avro tool and by
 * ClickHouse's `FORMAT Avro`. Written here rather than with avsc's BlockEncoder because that
 * stream may queue the object for later encoding, and the simulator reuses one object per
 * event; this writer encodes synchronously into a block buffer. The sync marker is passed in
 * so the same seed gives a byte-identical file.
 */
export class OcfWriter {
  private block: Buffer;
  private pos = 0;
  private count = 0;
  private readonly fd: number;

  /**
   * `encodeInto` writes one value's Avro binary at `pos` and returns the end, or a negative
   * number when the buffer is too small (avsc's `Type#encode` contract); default: avsc.
   */
  constructor(
    path: string,
    type: avro.Type,
    private readonly sync: Buffer,
    private readonly encodeInto: (value: unknown, buf: Buffer, pos: number) => number = (v, b, p) =>
      type.encode(v, b, p),
    blockBytes = 1 << 18,
  ) {
    if (sync.length !== 16) throw new Error("sync marker must be 16 bytes");
    this.block = Buffer.alloc(blockBytes);
    this.fd = openSync(path, "w");
    const schema = JSON.stringify(type.schema({ exportAttrs: true }));
    const header = headerType.toBuffer({
      magic: MAGIC,
      meta: { "avro.schema": Buffer.from(schema), "avro.codec": Buffer.from("null") },
      sync,
    });
    writeSync(this.fd, header);
  }

  write(value: unknown): void {
    let end = this.encodeInto(value, this.block, this.pos);
    if (end < 0) {
      this.flush();
      end = this.encodeInto(value, this.block, 0);
      while (end < 0) {
        this.block = Buffer.alloc(Math.max(this.block.length * 2, -end * 2));
        end = this.encodeInto(value, this.block, 0);
      }
    }
    this.pos = end;
    this.count++;
  }

  private flush(): void {
    if (this.count === 0) return;
    writeSync(this.fd, longType.toBuffer(this.count));
    writeSync(this.fd, longType.toBuffer(this.pos));
    writeSync(this.fd, this.block, 0, this.pos);
    writeSync(this.fd, this.sync);
    this.pos = 0;
    this.count = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
