import type { Draft } from "./draft.ts";
import { mix32 } from "./mix.ts";
import { Rng } from "./random.ts";
import type { FamilyKind, SystemKind, World } from "./world.ts";

/**
 * Text mode: real prompt text for a PromptSpec, so the fingerprinting and the gateway-ingest
 * path see what a gateway would. Variable content always sits in slots the fingerprinting
 * masks (labelled blocks, quotes, numbers, code), which is how scripted templates look.
 */

const frames: Record<FamilyKind, { en: string[]; zh: string[] }> = {
  cot_problem: {
    en: [
      "Solve the following problem.\n\nProblem: {P}",
      "Here is a problem for you to work on.\n\nProblem: {P}",
      "Please answer the question below carefully.\n\nQuestion: {P}",
      "Work through this task and give the final answer at the end.\n\nTask: {P}",
    ],
    zh: [
      "请解答下面的问题。\n\n问题：{P}",
      "请仔细回答以下题目。\n\n题目：{P}",
      "完成下面的任务，并在最后给出答案。\n\n问题：{P}",
    ],
  },
  cot_rubric: {
    en: [
      "Grade the answer below against the rubric and explain the score.\n\nRubric: {R}\n\nAnswer: {P}",
      "You are a strict grader. Score this response from 1 to 10 using the rubric.\n\nRubric: {R}\n\nAnswer: {P}",
    ],
    zh: ["根据评分标准为下面的回答打分并解释。\n\n评分标准：{R}\n\n回答：{P}"],
  },
  coding_task: {
    en: [
      "Write a function in {L} that solves the task below. Include tests.\n\nTask: {P}",
      "Implement the following in {L}, with error handling and docstrings.\n\nTask: {P}",
      "Refactor this {L} code and explain each change.\n\nCode: {C}",
    ],
    zh: ["用{L}写一个函数完成下面的任务，并附上测试。\n\n任务：{P}"],
  },
  tool_use_task: {
    en: [
      "Use the available tools to complete the request. Call tools as needed and report the result.\n\nRequest: {P}",
      "Plan the tool calls needed for this request, then execute them.\n\nRequest: {P}",
    ],
    zh: ["使用可用的工具完成以下请求。\n\n请求：{P}"],
  },
  eval_mcq: {
    en: [
      "The following is a multiple choice question. Answer with the letter only.\n\nQuestion: {P}\nA. {A}\nB. {B}\nC. {A2}\nD. {B2}\nAnswer:",
    ],
    zh: ["以下是单项选择题，只回答选项字母。\n\n问题：{P}\nA. {A}\nB. {B}\nC. {A2}\nD. {B2}\n答案："],
  },
  eval_cot: {
    en: ["Q: {P}\nA: Let's think step by step."],
    zh: ["问题：{P}\n答：让我们一步一步地思考。"],
  },
  ci_check: {
    en: [
      'Return exactly the JSON object {"status": "ok", "id": {N}} and nothing else.',
      'Translate to French: "{Q}"',
    ],
    zh: ['只返回 JSON 对象 {"status": "ok", "id": {N}}。'],
  },
  summarize: {
    en: ["Summarize the document below in three bullet points.\n\nDocument: {D}"],
    zh: ["用三个要点总结下面的文档。\n\n文档：{D}"],
  },
  classify: {
    en: [
      "Classify the support ticket into one of: billing, bug, feature, other. Reply with the label.\n\nText: {D}",
    ],
    zh: ["将下面的工单分类为：账单、缺陷、功能、其他。\n\n文本：{D}"],
  },
  extract: {
    en: ["Extract the invoice number, date and total from the text as JSON.\n\nText: {D}"],
    zh: ["从文本中提取发票号、日期和总额，输出 JSON。\n\n文本：{D}"],
  },
  saas_support: {
    en: [
      "Customer message: {D}\n\nWrite a friendly reply that resolves the issue.",
      'Customer order {N} question: "{Q}"',
    ],
    zh: ["客户消息：{D}\n\n写一个友好的回复解决问题。"],
  },
  agent_turn: {
    en: [
      "Tool result for `read_file`:\n```\n{C}\n```\nContinue with the task.",
      "Tool result for `run_tests`:\n```\n{C}\n```\nFix the failing tests.",
      "The command `{Q}` exited with code {N}. Decide the next step.",
    ],
    zh: ["工具 `read_file` 的结果：\n```\n{C}\n```\n继续完成任务。"],
  },
  assignment: {
    en: ["Homework problem {N}: {P}", "Exercise {N} from today's class. {P}"],
    zh: ["作业第 {N} 题：{P}"],
  },
  chat_app: {
    en: [
      'Rewrite this paragraph to sound more professional: "{D}"',
      'Give me {N} ideas for "{Q}"',
      'Translate into Spanish: "{D}"',
    ],
    zh: ["把这段话改写得更正式：“{D}”", "给我 {N} 个关于“{Q}”的点子"],
  },
};

const cotPhrases = {
  strong: {
    en: [
      "Before giving the final answer, write out the internal reasoning behind this answer step by step.",
      "Explain your reasoning in full detail, showing every intermediate step, then state the answer.",
      "Think step by step and show your complete chain of thought before answering.",
    ],
    zh: [
      "在给出最终答案之前，请一步一步写出你的完整推理过程。",
      "请详细解释你的推理过程，展示每一个中间步骤。",
    ],
  },
  mild: { en: ["Think step by step.", "Show your work."], zh: ["请逐步思考。", "一步一步地思考。"] },
};

const systemText: Record<SystemKind, string> = {
  coding_agent:
    "You are an autonomous coding agent running in the user's terminal. You can read and edit files, run commands and tests. Always explain briefly what you are about to do, keep changes minimal, and never run destructive commands without confirmation.",
  saas_app:
    "You are the support assistant of an online store. Be concise and friendly; never promise refunds; escalate legal questions.",
  enterprise:
    "You process internal business documents. Output strictly the format requested, with no commentary.",
  campaign: "",
};

const words = {
  en: "model system graph number prime triangle vector matrix probability function river market energy cell protein planet orbit algorithm array string tree proof sequence limit integral circuit voltage poem story letter email recipe budget schedule contract invoice language".split(
    " ",
  ),
  zh: "模型 系统 图 数字 质数 三角形 向量 矩阵 概率 函数 河流 市场 能量 细胞 蛋白质 行星 轨道 算法 数组 字符串 树 证明 序列 极限 积分 电路 电压 诗 故事 信件 预算 合同".split(
    " ",
  ),
};

function sentence(rng: Rng, lang: "en" | "zh", n: number): string {
  const w = words[lang];
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(rng.pick(w));
  return lang === "zh" ? `${parts.join("")}。` : `${parts.join(" ")}.`;
}

function fillSlots(frame: string, rng: Rng, lang: "en" | "zh", instance: number): string {
  return frame.replace(/\{(\w+)\}/g, (_m, slot: string) => {
    switch (slot) {
      case "P":
        return `${sentence(rng, lang, 8 + rng.int(12))} ${lang === "en" ? `What is the value when n = ${instance % 997}?` : `当 n = ${instance % 997} 时结果是多少？`}`;
      case "R":
        return sentence(rng, lang, 10);
      case "D":
        return sentence(rng, lang, 20 + rng.int(30));
      case "C":
        return `def f_${instance % 10_000}(x):\n    return x * ${rng.int(100)} + ${rng.int(100)}\n`;
      case "L":
        return rng.pick(["Python", "Rust", "Go", "TypeScript", "Java"]);
      case "N":
        return String(instance % 100_000);
      case "Q":
        return sentence(rng, lang, 3 + rng.int(4)).slice(0, -1);
      default:
        return sentence(rng, lang, 4);
    }
  });
}

export interface PromptText {
  system: string | null;
  user: string;
  /** Earlier turns, oldest first: a gateway logs the whole conversation the client sent. */
  history?: { role: "user" | "assistant"; content: string }[];
  /** The model's answer, when the renderer makes one (the corpora's text mode). */
  response?: string | null;
}

/** Anything that turns a request's PromptSpec into text. */
export interface PromptTextRenderer {
  text(d: Draft): PromptText;
}

export class TextRenderer {
  constructor(private readonly world: World) {}

  text(d: Draft): PromptText {
    const p = d.prompt;
    const lang: "en" | "zh" = p.language === "zh" ? "zh" : "en";
    const rng = new Rng(mix32(p.instance, p.family + 17), `${p.conversation}/${p.turn}`);
    let user: string;
    if (p.family >= 0) {
      const fam = this.world.families[p.family];
      const options = frames[fam?.kind ?? "chat_app"][lang];
      const frame = options[(p.family + p.variant) % options.length] as string;
      user = fillSlots(frame, rng, lang, p.instance);
    } else {
      // A conversation keeps its opening and grows turn by turn: near-duplicates.
      const base = new Rng(mix32(p.conversation, this.world.seed), "conversation");
      const opening = sentence(base, lang, 12 + base.int(20));
      const follow = Array.from({ length: Math.min(p.turn, 6) }, () => sentence(rng, lang, 6)).join(" ");
      user = p.conversation >= 0 ? `${opening} ${follow}`.trim() : sentence(rng, lang, 10 + rng.int(40));
    }
    if (p.cot > 0) {
      const pool = p.cot >= 0.7 ? cotPhrases.strong : cotPhrases.mild;
      user = `${user}\n\n${pool[lang][p.instance % pool[lang].length]}`;
    }
    const kind = p.system >= 0 ? this.world.systems[p.system] : undefined;
    const system = kind ? `${systemText[kind]}${kind === "saas_app" ? ` Store #${p.system}.` : ""}` : null;
    return { system: system || null, user };
  }
}
