import { type Codec, createCodec } from "./codec.ts";
import type { AccountScore, Alert, ApiRequest, ApiRequestV1, CampaignUpdate } from "./generated/types.ts";

/** Codecs for the versions producers write today; each reads every older version too. */
export const apiRequestCodec: Codec<ApiRequest> = createCodec<ApiRequest>("api-request");
export const accountScoreCodec: Codec<AccountScore> = createCodec<AccountScore>("account-score");
export const campaignUpdateCodec: Codec<CampaignUpdate> = createCodec<CampaignUpdate>("campaign-update");
export const alertCodec: Codec<Alert> = createCodec<Alert>("alert");

/** For consumers still on v1 (and the tests proving they can read v2). */
export const apiRequestV1Codec: Codec<ApiRequestV1> = createCodec<ApiRequestV1>("api-request", 1);
