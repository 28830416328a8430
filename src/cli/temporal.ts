/**
 * `netgrow temporal setup`: registers netgrow's search attributes on a Temporal cluster's
 * namespace (the embedded dev server has them already). Safe to run again: it adds only what
 * is missing.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ADDRESS, NAMESPACE } from '../temporal/config';
import { registerSearchAttributes, SearchAttributeConflict } from '../temporal/search-attributes';
import { UsageError } from '../contracts/errors';
import { connectClient, temporalTarget } from '../experiment/session';
import { TEMPORAL_AUTH_HELP, TEMPORAL_AUTH_OPTIONS } from '../temporal/connection';

export const help = `netgrow temporal setup [options] — register netgrow's search attributes on a Temporal cluster

  --temporal-address <h:p>    the frontend (default TEMPORAL_ADDRESS, else ${DEFAULT_ADDRESS})
  --namespace <ns>            default TEMPORAL_NAMESPACE, else ${NAMESPACE}
${TEMPORAL_AUTH_HELP}
  --json                      print { added, present } as JSON

Idempotent: attributes already there are left alone. Needs the operator API (cluster admin).`;

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'temporal-address': { type: 'string' },
        namespace: { type: 'string' },
        ...TEMPORAL_AUTH_OPTIONS,
        json: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}; see netgrow temporal --help`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'setup') {
    throw new UsageError('usage: netgrow temporal setup [options]; see netgrow temporal --help');
  }
  const target = temporalTarget(
    {
      address: values['temporal-address'] ?? (process.env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS),
      namespace: values.namespace,
      auth: values,
    },
    null,
  );
  const address = target.address!;
  const namespace = target.namespace;
  const connection = await connectClient(address, target.connect);
  try {
    const result = await registerSearchAttributes(connection, namespace);
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(
        result.added.length > 0
          ? `registered in ${namespace}: ${result.added.join(', ')}` +
              (result.present.length > 0 ? ` (already there: ${result.present.join(', ')})` : '')
          : `all ${result.present.length} netgrow search attributes already registered in ${namespace}`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof SearchAttributeConflict) throw new UsageError(e.message);
    throw new UsageError(
      `cannot register search attributes at ${address}: ${(e as Error).message.split('\n')[0]}`,
      4,
    );
  } finally {
    await connection.close();
  }
}
