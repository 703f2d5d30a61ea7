"""The multi-node topology on loopback (tests/support/cluster.py, `make cluster`): two web
processes without jobs, two workers, two Centrifugo nodes on Redis, SeaweedFS, the simulator;
webhooks, sends, typing, presence, history recovery and media cross nodes, and SIGKILL of a web
and a worker mid-load loses no acknowledged webhook, leaves no outbox row and shows no message
twice."""

from __future__ import annotations

import pytest

from tests.support.cluster import _in_thread, check, running_cluster


@pytest.mark.centrifugo
def test_two_webs_two_workers_two_centrifugo_nodes_work_as_one() -> None:
    with running_cluster() as c:
        figures = _in_thread(check(c, load=150, concurrency=10))
    print(figures)
    assert figures["load_2xx"] > 150 // 3  # the load went on through web B after the kill
    assert max(figures["webhook_to_other_node_ms"]) < 2000
