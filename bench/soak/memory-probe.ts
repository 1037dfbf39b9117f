// Preloaded into each service process the soak bench starts (`--import`): every second, the
// process's memory as one JSON line in $DG_SOAK_MEMORY_FILE. The services expose no heap
// figures of their own, and RSS alone cannot tell a growing heap from a grown allocator.
import { renameSync, writeFileSync } from "node:fs";

const file = process.env.DG_SOAK_MEMORY_FILE;
if (file) {
  setInterval(() => {
    const m = process.memoryUsage();
    // Renamed into place, so the bench never reads a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external }));
    renameSync(`${file}.tmp`, file);
  }, 1_000).unref();
}
