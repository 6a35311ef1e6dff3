// Input validation for every part of the hub: one ajv instance (with ajv-formats), validateInput that
// throws HubError("VALIDATION") with ajv's messages, and formatAjvErrors that turns ajv errors into
// "config.port must be <= 65535; name must NOT have fewer than 1 characters". The schemas themselves are
// TypeBox objects declared next to what they describe (a schema and its TypeScript type from one source).
import type { Static, TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { HubError } from "./errors.js";

// ajv-formats is CJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// Keyed by the schema object, not an $id: composed schemas (a vendor's config plus the hub's fields) are
// built once each, so the object is a stable key. (Schemas carry no $id: ajv would refuse a second one.)
const compiled = new WeakMap<object, ValidateFunction>();

/** "config.port must be <= 65535; name must NOT have fewer than 1 characters" (ajv's JSON-schema messages). */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return "invalid input";
  return errors
    .map((e) => {
      const path = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
      if (e.keyword === "additionalProperties") {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${path ? `${path}: ` : ""}unknown property "${extra}"`;
      }
      return `${path || "body"} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}

function validator(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Whether `input` matches `schema`, with the messages formatAjvErrors would give (for checks that do not throw). */
export function checkInput(schema: TSchema, input: unknown): { ok: true } | { ok: false; message: string } {
  const validate = validator(schema);
  return validate(input) ? { ok: true } : { ok: false, message: formatAjvErrors(validate.errors) };
}

/** Validate `input` against a schema; throws HubError("VALIDATION") with ajv's messages. */
export function validateInput<S extends TSchema>(schema: S, input: unknown): Static<S> {
  const validate = validator(schema);
  if (!validate(input)) {
    const message = formatAjvErrors(validate.errors);
    throw new HubError("VALIDATION", message, { details: { errors: validate.errors ?? [] } });
  }
  return input as Static<S>;
}
