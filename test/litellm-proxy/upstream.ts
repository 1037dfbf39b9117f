import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the upstream billed one request, by the case marker in its prompt. */
export interface Billed {
  input: number;
  output: number;
}

export interface Upstream {
  url: string;
  billed: Map<string, Billed>;
  close(): Promise<void>;
}

const MARKER = /\[dg-case:([\w-]+)\]/;

/**
 * A fake model provider on loopback, standing in for OpenAI and Anthropic behind the real
 * proxy: chat completions (plain, tools, streaming), the Responses API, Anthropic Messages, and
 * a 429 for the model `force-429`. Every request bills distinct token counts, so a record
 * matched to the wrong request shows.
 */
export async function startUpstream(): Promise<Upstream> {
  const billed = new Map<string, Billed>();
  let n = 0;
  const bill = (body: unknown): Billed => {
    n += 1;
    const usage = { input: 100 + n, output: 10 + n };
    const marker = MARKER.exec(JSON.stringify(body))?.[1];
    if (marker) billed.set(marker, usage);
    return usage;
  };

  const server = createServer((req, res) => {
    readJson(req)
      .then((body) => route(req.url ?? "", body, res))
      .catch((e: unknown) => send(res, 500, { error: { message: String(e) } }));
  });

  function route(url: string, body: Record<string, unknown>, res: ServerResponse) {
    if (body.model === "force-429") {
      return send(res, 429, {
        error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
      });
    }
    if (url.endsWith("/chat/completions")) return chat(body, res);
    if (url.endsWith("/responses")) return responses(body, res);
    if (url.endsWith("/messages")) return messages(body, res);
    return send(res, 404, { error: { message: `no route ${url}` } });
  }

  function chat(body: Record<string, unknown>, res: ServerResponse) {
    const usage = bill(body);
    const base = { id: `chatcmpl-${n}`, created: Math.floor(Date.now() / 1000), model: body.model };
    const openaiUsage = {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    };
    const tools = body.tools as Array<{ function: { name: string } }> | undefined;
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (choices: unknown[], extra = {}) =>
        res.write(
          `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`,
        );
      chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
      for (const word of ["Streamed", " reply", "."]) {
        chunk([{ index: 0, delta: { content: word }, finish_reason: null }]);
      }
      chunk([{ index: 0, delta: {}, finish_reason: "stop" }]);
      chunk([], { usage: openaiUsage });
      res.end("data: [DONE]\n\n");
      return;
    }
    const message = tools?.[0]
      ? {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: `call_${n}`,
              type: "function",
              function: { name: tools[0].function.name, arguments: '{"city":"Paris"}' },
            },
          ],
        }
      : { role: "assistant", content: "A reply from the fake upstream." };
    send(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: tools?.[0] ? "tool_calls" : "stop", logprobs: null }],
      usage: openaiUsage,
    });
  }

  function responses(body: Record<string, unknown>, res: ServerResponse) {
    const usage = bill(body);
    send(res, 200, {
      id: `resp_${n}`,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status: "completed",
      model: body.model,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      output: [
        {
          type: "message",
          id: `msg_${n}`,
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text: "A Responses API reply.", annotations: [] }],
        },
      ],
      parallel_tool_calls: true,
      tool_choice: "auto",
      tools: [],
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    });
  }

  function messages(body: Record<string, unknown>, res: ServerResponse) {
    const usage = bill(body);
    send(res, 200, {
      id: `msg_${n}`,
      type: "message",
      role: "assistant",
      model: body.model,
      content: [{ type: "text", text: "An Anthropic reply." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    billed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
