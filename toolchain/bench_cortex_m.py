#!/usr/bin/env python3
"""Benchmark (not a test): the Cortex-M4 cost table of README.md, from a clean checkout.

For each MLPerf Tiny model in <repo>/../shared/benchmarks/mlperf-tiny/ this runs

    mote compile MODEL --calibration Tests/Fixtures/mlperf/<m>_input.npy -o DIR [--weights/--prune flags]
    mote bench DIR --target cortex-m4 --json

and prints one Markdown row per model: MACs, executed instructions per inference (exact: QEMU mps2-an386 under
-icount shift=0 with Mote's TCG plugin, startup cancelled out), instructions per MAC, and flash/RAM of the
linked image (RAM without the stack reserve), beside the TFLite Micro + CMSIS-NN figures measured the same way
(from issue 6). Needs swift, arm-none-eabi-gcc + newlib and qemu-system-arm (.ci/run installs them).

    python3 toolchain/bench_cortex_m.py [--mote PATH] [--models NAME ...] [--json OUT] [-- EXTRA COMPILE FLAGS]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLPERF = os.path.join(os.path.dirname(REPO), "shared", "benchmarks", "mlperf-tiny")
FIXTURES = os.path.join(REPO, "Tests", "Fixtures", "mlperf")
# model: (label, TFLM + CMSIS-NN instructions per MAC on the same emulator)
MODELS = {
    "ic01_resnet8": ("ResNet-8", 2.39),
    "kws01_dscnn": ("KWS DS-CNN", 2.90),
    "vww01_mobilenet_v1_025": ("MobileNetV1-0.25", 3.22),
    "ad01_fc_autoencoder": ("FC autoencoder", 2.21),
}


def run_json(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mote", default=os.path.join(REPO, ".build", "release", "mote"))
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--json", help="also write the rows as JSON here")
    ap.add_argument("extra", nargs="*", help="extra `mote compile` flags (after --), e.g. -- --weights int4")
    args = ap.parse_args()
    if not os.path.exists(args.mote):
        print(f"{args.mote} missing: swift build -c release", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", "mote"], cwd=REPO, check=True)
    rows = []
    print("| model | MACs | instructions / inference | instr./MAC | flash | RAM | TFLM + CMSIS-NN instr./MAC |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="mote-bench-") as work:
        for m in args.models:
            if m not in MODELS:
                raise SystemExit(f"unknown model {m}; known: {', '.join(MODELS)}")
            out = os.path.join(work, m)
            run_json([args.mote, "compile", os.path.join(MLPERF, m + ".onnx"), "--calibration",
                      os.path.join(FIXTURES, m + "_input.npy"), "-o", out, "--json"] + args.extra)
            r = run_json([args.mote, "bench", out, "--target", "cortex-m4", "--json"])
            label, cmsis = MODELS[m]
            ram = r["ram_bytes"] if "ram_bytes" in r else r["ramBytes"]
            row = {
                "model": m, "macs": r.get("macs"),
                "instructions": r.get("instructions_per_inference", r.get("instructionsPerInference")),
                "instructions_per_mac": r.get("instructions_per_mac", r.get("instructionsPerMac")),
                "flash_bytes": r.get("flash_bytes", r.get("flashBytes")), "ram_bytes": ram,
            }
            rows.append(row)
            print(f"| {label} | {row['macs'] / 1e6:.2f} M | {row['instructions'] / 1e6:.2f} M | "
                  f"{row['instructions_per_mac']:.2f} | {row['flash_bytes']:,} B | {row['ram_bytes']:,} B | {cmsis} |",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
