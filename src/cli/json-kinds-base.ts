/**
 * json-kinds-base — the building blocks of the --json object kinds (cli/json-schema.ts): a
 * strict object (an unknown key fails), an RFC 3339 timestamp, nullable, and the kinds every
 * group uses (a plan step, an error). @pure: imports only zod.
 */
import { z } from 'zod';

export const obj = <T extends z.ZodRawShape>(shape: T): z.ZodObject<T, z.core.$strict> => z.strictObject(shape);
export const timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp');
export const nullable = <T extends z.ZodType>(t: T): z.ZodNullable<T> => t.nullable();

/** planStep — one step of a dry run's plan (core/plan.ts Plan#toJson). */
export const planStep = obj({ name: z.string(), description: z.string() });

/** error — every failure under --json, usage errors included. */
export const errorKind = obj({ error: z.string(), code: z.string() });
