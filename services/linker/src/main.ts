// The campaign linker process: link observations from every detector partition in; campaign
// updates and campaign alerts out. Run from the repo root with
// `node --import tsx services/linker/src/main.ts`; one active instance (the links topic has one
// partition), a second in the same group is a hot standby.
import { runServiceMain } from "@distillguard/runtime";
import { createLinkerService, ensureLinkerTopics } from "./service.ts";
import { linkerSettings } from "./settings.ts";

await runServiceMain({
  name: "linker",
  spec: linkerSettings,
  prefix: "DG_LINKER_",
  metricsPort: (s) => s.metricsPort,
  build: async (s, deps) => {
    await ensureLinkerTopics(deps.kafka, s);
    return createLinkerService(s, deps);
  },
});
