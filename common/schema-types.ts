// TypeBox building blocks whose JSON Schema keeps the plain form ajv reports best: a string enum as
// `{type: "string", enum}` ("must be equal to one of the allowed values") instead of TypeBox's anyOf of
// constants, and a nullable value as `{type: [T, "null"]}` instead of anyOf (one message, not three).
import { type SchemaOptions, type Static, type TSchema, Type } from "@sinclair/typebox";

/** `{ type: "string", enum: values }` typed as the union of the values. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: "string", enum: [...values] });
}

/** The schema with "null" added to its `type` (a primitive schema: string, integer, number, boolean). */
export function Nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, "null"] });
}
