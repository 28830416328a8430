/**
 * netgrow's search attributes on a Temporal cluster. The embedded dev server gets them as
 * start-up flags (devserver.ts); a cluster's namespace needs them registered once through the
 * operator API, which this does idempotently: present ones are left as they are, missing ones
 * added, and a name registered with another type is refused (a cluster admin's decision).
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from './config';

const { IndexedValueType } = temporal.api.enums.v1;

const PROTO_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export class SearchAttributeConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchAttributeConflict';
  }
}

export interface RegisteredAttributes {
  added: string[];
  present: string[];
}

export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<RegisteredAttributes> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const have = customAttributes ?? {};
  const added: string[] = [];
  const present: string[] = [];
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of Object.values(SEARCH_ATTRIBUTES)) {
    const want = PROTO_TYPES[key.type];
    if (key.name in have) {
      if (have[key.name] !== want) {
        throw new SearchAttributeConflict(
          `search attribute ${key.name} exists in namespace ${namespace} as ${IndexedValueType[have[key.name]]}, netgrow needs ${IndexedValueType[want]}; remove or rename it first`,
        );
      }
      present.push(key.name);
    } else {
      missing[key.name] = want;
      added.push(key.name);
    }
  }
  if (added.length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return { added, present };
}

/** A workflow start the server refused for a search attribute its namespace does not define. */
export function isUndefinedAttributeError(e: unknown): boolean {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  return cause?.code === INVALID_ARGUMENT && /search attribute/i.test(String(cause.message));
}

const INVALID_ARGUMENT = 3;

/**
 * netgrow's search attributes the namespace lacks; null when the operator API does not answer
 * (a client without admin rights), so the caller names them all.
 */
export async function missingSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[] | null> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.values(SEARCH_ATTRIBUTES)
      .map((k) => k.name)
      .filter((name) => !(name in (customAttributes ?? {})));
  } catch {
    return null;
  }
}
