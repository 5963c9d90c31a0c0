"""Registration, log integration and proof latency as the transparency log grows.

    DATABASE_URL=postgres://.../bench python -m bench.log_scale --leaves 100000

Registers passports in bulk through the service layer (validation, signing, inserts), integrates
their genesis events into the log, then times inclusion and consistency proofs read from the
stored subtree hashes, beside the same proofs from an in-memory tree over the same leaves (the
floor: no database at all).
"""

import argparse
import os
import random
import statistics
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--proofs", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from lifecycle.merkle import MemoryTree
    from lifecycle.models import LogLeaf
    from lifecycle.services.log import consistency_proof, inclusion_proof, log_integrate, log_size
    from lifecycle.services.registration import passports_register
    from passports.declaration import PassportDeclaration
    from passports.services.organisations import organisation_bootstrap
    from tests.factories import declaration

    organisation, _ = organisation_bootstrap(name=f"Bench {time.time()}", kind="manufacturer")
    run = int(time.time())
    registered = 0
    started = time.perf_counter()
    while registered < args.leaves:
        items = [
            declaration(gtin=None, serial=None, model=f"B{run}-{registered + i}")
            for i in range(min(args.batch, args.leaves - registered))
        ]
        checked = PassportDeclaration(data=items, many=True, context={})
        checked.is_valid(raise_exception=True)
        passports_register(organisation=organisation, declarations=checked.validated_data)
        registered += len(items)
    registration = time.perf_counter() - started
    started = time.perf_counter()
    log_integrate(limit=5000)
    integration = time.perf_counter() - started
    size = log_size()

    tree = MemoryTree()
    for data in LogLeaf.objects.order_by("index").values_list("data", flat=True).iterator(5000):
        tree.append(bytes(data))
    rng = random.Random(7)
    indexes = [rng.randrange(size) for _ in range(args.proofs)]

    def p50(call) -> float:
        timings = []
        for index in indexes:
            begin = time.perf_counter()
            call(index)
            timings.append(time.perf_counter() - begin)
        return statistics.median(timings) * 1000

    db_inclusion = p50(lambda i: inclusion_proof(i, size))
    mem_inclusion = p50(lambda i: tree.inclusion_proof(i, size))
    db_consistency = p50(lambda i: consistency_proof(max(i, 1), size))
    mem_consistency = p50(lambda i: tree.consistency_proof(max(i, 1), size))
    print(f"log size {size} leaves")
    if registered:
        print(f"registration: {registered} passports in {registration:.1f} s "
              f"= {registered / registration:.0f} passports/s (validate, sign, insert; "
              "integration runs on commit when no broker is configured)")  # fmt: skip
        print(f"integration of stragglers: {integration:.2f} s")
    print(
        f"inclusion proof p50:   database {db_inclusion:.3f} ms, in-memory {mem_inclusion:.3f} ms"
    )
    print(f"consistency proof p50: database {db_consistency:.3f} ms, "
          f"in-memory {mem_consistency:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
