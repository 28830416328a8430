"""Asks TensorBoard's own HParams plugin what the HPARAMS tab would show for a log folder.

Loads the folder the way `tensorboard --logdir` does (EventMultiplexer + its data provider),
then runs the plugin's GetExperiment and ListSessionGroups handlers — the two requests behind
the tab's table and parallel-coordinates view — and prints their responses as JSON.
Used by tests/log/hparams.test.ts. Usage: python read_hparams.py <logdir>
"""
import json
import sys

from google.protobuf import json_format
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, get_experiment, list_session_groups


def main(logdir):
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    tb = base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer, data_provider=provider)
    backend = backend_context.Context(tb)
    ctx = context.RequestContext()
    experiment = get_experiment.Handler(ctx, backend, "", api_pb2.GetExperimentRequest()).run()
    # What the tab's default filter asks: sessions of every status.
    statuses = [api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING]
    request = api_pb2.ListSessionGroupsRequest(start_index=0, slice_size=1000, allowed_statuses=statuses)
    groups = list_session_groups.Handler(ctx, backend, "", request).run()
    json.dump(
        {
            "runs": sorted(multiplexer.Runs().keys()),
            "experiment": json_format.MessageToDict(experiment),
            "session_groups": json_format.MessageToDict(groups),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1])
