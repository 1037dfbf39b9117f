import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hash64Hex } from "./hash.ts";
import { foldText } from "./normalize.ts";
import { labelLineHead, maskFolded, maskTemplate, templateHash } from "./template.ts";
import { maskFoldedBacktracking } from "./testing/template-backtracking.ts";

describe("maskTemplate", () => {
  it.each([
    [
      "numbers, decimals, percentages, signs",
      "What is 3.5% of 1,200? Use x=-2 and 1e-3.",
      "what is {NUM} of {NUM}? use x={NUM} and {NUM}.",
    ],
    [
      "ranges and dates stay structured",
      "Pick 3-5 items by 2026-02-01.",
      "pick {NUM}-{NUM} items by {NUM}-{NUM}-{NUM}.",
    ],
    [
      "double and typographic quotes",
      'Translate "Good morning" and “see you”.',
      "translate {STR} and {STR}.",
    ],
    [
      "single quotes, not apostrophes",
      "Don't rephrase 'hello there', it's fine.",
      "don't rephrase {STR}, it's fine.",
    ],
    [
      "CJK quotes and title marks",
      "把「今天天气很好」和『再见』翻译成英文，出自《论语》。",
      "把{STR}和{STR}翻译成英文,出自{STR}。",
    ],
    [
      "inline and fenced code",
      "Fix `parse()`:\n```python\ndef f(x):\n\n    return x\n```\nThanks",
      "fix {CODE}: {CODE} thanks",
    ],
    ["an unclosed fence runs to the end", "Look:\n```\nconst a = 1;", "look: {CODE}"],
    [
      "URLs keep trailing punctuation out",
      "See https://example.com/a?b=1. Or www.example.org!",
      "see {URL}. or {URL}!",
    ],
    ["emails", "Mail jane.doe+x@mail.example.co.uk now", "mail {EMAIL} now"],
    [
      "UUIDs and identifiers with digits or underscores",
      "Ticket 550e8400-e29b-41d4-a716-446655440000 for user_42, gpt4 and 0x1f.",
      "ticket {ID} for {ID}, {ID} and {ID}.",
    ],
    [
      "XML-like elements keep their name",
      '<doc id="7">Some\n\ntext</doc> <b>x</b>',
      "<doc>{XML}</doc> <b>{XML}</b>",
    ],
    [
      "label blocks end at a blank line",
      "Question: Why is the sky blue?\nBe brief.\n\nAnswer in English.",
      "question: {BLOCK} answer in english.",
    ],
    [
      "label blocks end at the next label",
      "Q: What is 2+2?\nA: 4\nQ: And 3+3?\nA:",
      "q: {BLOCK} a: {BLOCK} q: {BLOCK} a:",
    ],
    [
      "a label alone on its line takes the next paragraph",
      "Text:\n\nThe fox.\nThe dog.\n\nSummarize it.",
      "text: {BLOCK} summarize it.",
    ],
    [
      "markdown-decorated labels",
      "### Instruction:\nSort it\n\n**Input 2:** 5, 3\n\n### Response:",
      "### instruction: {BLOCK} **input {NUM}:** {BLOCK} ### response:",
    ],
    [
      "Chinese labels with full-width colon",
      "问题：小明有5个苹果，吃了2个。\n\n请一步一步思考。",
      "问题: {BLOCK} 请一步一步思考。",
    ],
    ["numbers inside CJK text", "求第3项的值，保留2位小数", "求第{NUM}项的值,保留{NUM}位小数"],
    ["ordinary words stay", "Explain photosynthesis to a child", "explain photosynthesis to a child"],
    ["empty", " \n ", ""],
  ])("masks %s", (_, input, expected) => {
    expect(maskTemplate(input)).toBe(expected);
  });
});

// Wire contract: a changed masking rule changes these hashes; that needs a new field name.
const VECTORS: readonly [input: string, templateHash: string][] = [
  ["Question: What is 2+2?\nAnswer:", "2e6f596b6c16f411"],
  ["问题：小明有5个苹果。\n\n请一步一步思考。", "100cecdad7d60716"],
  ['Translate "Good morning" into French.', "39759bd5023829d0"],
  ["", "efd01f60ba992926"],
];

// Slot values: anything a campaign might vary, including characters that would break the
// template if a rule leaked (quotes, colons, label words, blank lines where allowed).
const WORDS = [
  "apple",
  "Question",
  "answer:",
  "x_1",
  "3.14",
  "don't",
  "'",
  "the",
  "猫",
  "苹果",
  "Привет",
  "(a+b)",
  "<br>",
  "#",
  "-",
  "42%",
];
const wordsArb = (min: number, max: number, words: readonly string[] = WORDS) =>
  fc.array(fc.constantFrom(...words), { minLength: min, maxLength: max }).map((w) => w.join(" "));

const number = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }).map((x) => x.toFixed(2)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.nat(10_000_000).map((n) => n.toLocaleString("en-US")),
);
/** Quoted content: anything but the closing quote and backticks (code is masked first). */
const quoted = wordsArb(0, 8, ["apple", "answer:", "don't", "猫", "42", "x_1", "“", "(", "Question:", "'"]);
const codeLines = fc
  .array(
    wordsArb(0, 6, ["def", "f(x):", "return", "x", "+", "1", "Question:", '"', "'", "{", "}", "<div>"]),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .map((lines) => lines.join("\n"));
const inlineCode = wordsArb(1, 4, ["a", "b()", "x_1", "==", "'", '"']);
/** Label block content: non-blank lines, none starting with a label. */
const block = fc
  .array(wordsArb(1, 10, ["apple", "the", "3", '"', "'", "`x`", "猫", "x_1", "why?", "<i>", "said:"]), {
    minLength: 1,
    maxLength: 4,
  })
  .map((lines) => lines.join("\n"));
const xmlContent = fc
  .array(wordsArb(0, 8, ["apple", "Question:", '"', "<b>x</b>", "3", "猫"]), { minLength: 1, maxLength: 5 })
  .map((lines) => lines.join("\n"));
const han = fc
  .array(fc.constantFrom(..."苹果今天天气很好我们学习数学问题计算"), { minLength: 1, maxLength: 12 })
  .map((c) => c.join(""));
const domain = fc
  .array(fc.constantFrom("example", "mail", "corp", "a1", "x-y"), { minLength: 1, maxLength: 3 })
  .map((p) => `${p.join(".")}.com`);
const url = fc
  .tuple(
    fc.constantFrom("http", "https"),
    domain,
    wordsArb(0, 3, ["a", "b", "c1", "index.html", "?q=1", "#top"]),
  )
  .map(([scheme, host, path]) => `${scheme}://${host}/${path.replaceAll(" ", "/")}`);
const email = fc
  .tuple(fc.constantFrom("jane", "j.doe", "x+y", "user_9"), domain)
  .map(([local, host]) => `${local}@${host}`);
const identifier = fc
  .tuple(fc.constantFrom("user", "item", "v", "gpt", "doc"), fc.constantFrom("_", ""), fc.nat(999))
  .map(([a, sep, n]) => `${a}${sep}${n}`);

/** Two renderings of one template with independent slot values. */
function template<T>(name: string, slots: fc.Arbitrary<T>, render: (slots: T) => string) {
  return { name, pairs: fc.tuple(slots, slots).map(([a, b]) => [render(a), render(b)] as const) };
}

const TEMPLATES = [
  template(
    "English mixed",
    fc.record({ n1: number, n2: number, s: quoted, code: codeLines, inline: inlineCode, q: block }),
    ({ n1, n2, s, code, inline, q }) =>
      `You are grading answers.\nQuestion: ${q}\n\nGiven x = ${n1} and y = ${n2}%, translate "${s}" and fix \`${inline}\`:\n\`\`\`python\n${code}\n\`\`\`\nReturn JSON only.`,
  ),
  template(
    "Chinese",
    fc.record({ n1: number, n2: fc.nat(9).map(String), s1: han, s2: han, title: han, q: block }),
    ({ n1, n2, s1, s2, title, q }) =>
      `问题：${q}\n\n已知 a=${n1}，请把「${s1}」翻译成英文，并解释『${s2}』（出自《${title}》）。答案保留${n2}位小数。`,
  ),
  template(
    "identifiers and addresses",
    fc.record({ doc: xmlContent, u: url, e: email, id: fc.uuid(), ident: identifier, n: number }),
    ({ doc, u, e, id, ident, n }) =>
      `<document>\n${doc}\n</document>\nSummarize the document in ${n} bullets. Contact ${e} or see ${u} . Ticket ${id}, owner ${ident}.`,
  ),
  template(
    "Alpaca",
    fc.record({ instruction: block, input: block, example: block }),
    ({ instruction, input, example }) =>
      [
        "Below is an instruction.",
        "",
        "### Instruction:",
        instruction,
        "",
        "### Input:",
        input,
        "",
        `Example 1: ${example}`,
        "",
        "### Response:",
        "",
      ].join("\n"),
  ),
];

describe("templateHash", () => {
  it.each(VECTORS)("pins %j", (input, expected) => {
    expect(hash64Hex(templateHash(input))).toBe(expected);
  });

  it.each(TEMPLATES.map((t) => [t.name, t.pairs] as const))(
    "is identical across slot values (%s template)",
    (_, pairs) => {
      fc.assert(
        fc.property(pairs, ([a, b]) => {
          expect(maskTemplate(a)).toBe(maskTemplate(b));
          expect(templateHash(a)).toEqual(templateHash(b));
        }),
        { seed: 42, numRuns: 500 },
      );
    },
  );

  it("differs between templates", () => {
    const hashes = new Set(
      [
        "Question: What is 2+2?\nAnswer:",
        "Question: What is 2+2?\nAnswer step by step:",
        "Problem: What is 2+2?\nAnswer:",
        'Translate "x" into French.',
        'Translate "x" into German.',
        "问题：1+1=?\n\n请一步一步思考。",
        "问题：1+1=?\n\n直接回答。",
      ].map((p) => hash64Hex(templateHash(p))),
    );
    expect(hashes.size).toBe(7);
  });

  it("ignores case, width and whitespace", () => {
    expect(templateHash("Translate  “ABC”\ninto FRENCH")).toEqual(templateHash("translate “x” into french"));
    expect(templateHash("ＱＵＥＳＴＩＯＮ：１２３")).toEqual(templateHash("question: 9"));
  });
});

// Pieces that each rule reacts to, and their near misses, so random sequences of them reach
// every branch of every scanner: decorations, labels, unclosed and nested tags, quotes of every
// kind, apostrophes next to letters, @ with and without domains, surrogate pairs, separators.
const PIECES = [
  ..."#>-*•_.,:;!?()[]{}%+=/\\|\"'`@~",
  " ",
  "\t",
  "\n",
  "\n\n",
  "\u2028",
  "\u00a0",
  "##",
  "**",
  "__",
  "1.",
  "2)",
  "12",
  "3.5",
  "-7",
  "1e-3",
  "question",
  "questions",
  "q",
  "a",
  "answer",
  "text",
  "example",
  "问题",
  "问",
  "答案",
  "テキスト",
  "вопрос",
  "respuesta",
  "<b>",
  "</b>",
  "</b >",
  "<b",
  "</c>",
  '<doc id="7">',
  "</doc>",
  "< b>",
  "<a\nx>",
  "“",
  "”",
  "„",
  "‘",
  "’",
  "«",
  "»",
  "「",
  "」",
  "『",
  "』",
  "《",
  "》",
  "don't",
  "x@y.com",
  "j.doe+x",
  "@mail",
  ".co.uk",
  "http://",
  "https://a.b/c",
  "www.",
  "```",
  "~~~",
  "user_42",
  "0x1f",
  "550e8400-e29b-41d4-a716-446655440000",
  "abc",
  "Ünïcode",
  "中文",
  "第3题",
  "𠀀",
  "\ud800",
  "\udc00",
  "١٢٣",
  // Identifier edges: a numeral of an unspaced script (not an identifier character, but the
  // digit an identifier needs may be it), a combining mark, letters and digits outside the BMP.
  "〇",
  "x〇",
  "e\u0301",
  "𝐀",
  "𝟗",
  "_",
  "Ⅻ",
];

describe("maskFolded equals the regular expressions it replaced", () => {
  it("on generated text (fast-check, 5,000 runs)", () => {
    const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => foldText(p.join("")));
    fc.assert(
      fc.property(text, (t) => {
        // The old label expression is exponential in a run of # that then fails to match;
        // keep its runs short enough for it to finish.
        fc.pre(!/#{12}/.test(t));
        expect(maskFolded(t)).toBe(maskFoldedBacktracking(t));
      }),
      { seed: 7, numRuns: 5_000 },
    );
  });

  it.each([
    ["decorated labels", "### 1. **question 2:** x\n> - answer:\n\n\n  __text__: y\n12) q #3 : z"],
    ["label-like lines that are not labels", "questions: x\nq3x: y\n1 question: z\n####answer\u2028: w"],
    ["tags", '<a>1</a><b x="<">2</b><c>3</c ><d>4</dd></d>\n<e>\n\n</e>'],
    ["quotes", "„a“ „b” «c» 「d」 ‘e’ “f” \"g\" 'h' x'y' 'z'a \"\" ''"],
    ["mail", "a@b.c x@y.co a.b@c-d.e.fg1 @x.com q@.com a@b.com.x@y.org"],
  ])("on %s", (_, raw) => {
    const t = foldText(raw);
    expect(maskFolded(t)).toBe(maskFoldedBacktracking(t));
  });
});

describe("labelLineHead", () => {
  it.each([
    ["Question: x", 9],
    ["### **Input 2:** y", 16],
    ["  1. q: z", 7],
    ["__text__: w", 9],
    ["question", -1],
    ["questions: x", -1],
    ["answer:\u2028", -1],
  ])("%j → %d", (line, head) => {
    expect(labelLineHead(foldText(line))).toBe(head);
  });
});

describe("templateHash on long prompts (the bounded view)", () => {
  const filler = (seed: number, n: number) => {
    let x = seed;
    let length = 0;
    const words: string[] = [];
    while (length < n) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const word =
        x % 17 === 0 ? "\n" : (["alpha", "beta", "gamma", "delta", "river", "stone"][x % 6] ?? "x");
      words.push(word);
      length += word.length + 1;
    }
    return words.join(" ");
  };

  it("is stable across payloads in a fenced slot, however long", () => {
    const prompt = (code: string) =>
      `Review this code:\n\`\`\`python\n${code}\n\`\`\`\nList the bugs, step by step.`;
    const a = prompt(filler(1, 200_000));
    const b = prompt(filler(2, 900_000));
    expect(maskTemplate(a)).toBe("review this code: {CODE} list the bugs, step by step.");
    expect(templateHash(a)).toEqual(templateHash(b));
  });

  it("masks a 45-character line of # as the text it is", () => {
    const line = "#".repeat(45);
    expect(maskTemplate(`hello\n${line}\nworld`)).toBe(`hello ${line} world`);
  });
});
