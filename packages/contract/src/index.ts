export {
  type ApiRequest,
  apiRequestFieldNames,
  apiRequestSchemaV1,
  ContractError,
  decodeApiRequest,
  encodeApiRequest,
} from "./api-request.ts";
