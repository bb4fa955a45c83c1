"""`mnnquant SRC DST CONFIG`: MNN's Python quantization command, on mnnq.

Same operands as MNN's `mnnquant` (and `mnnq SRC DST CONFIG`); exit status as `mnnq`:
0 success, 1 failure while running, 2 bad command line or configuration, 130 interrupted.
"""

import argparse
import sys

import mnnq


def _parser():
    parser = argparse.ArgumentParser(
        prog="mnnquant",
        description="Quantize a float MNN model to int8 with a calibration config "
                    "(JSON or YAML, MNN's keys). Same as `mnnq SRC DST CONFIG`.",
        epilog="Plugins are loaded from the mnnq installation, MNNQ_PLUGIN_PATH and each "
               "--plugin-dir.")
    parser.add_argument("src", metavar="SRC", help="float model to quantize (.mnn)")
    parser.add_argument("dst", metavar="DST", help="quantized model to write (.mnn)")
    parser.add_argument("config", metavar="CONFIG", help="configuration file (.json, .yaml, .yml)")
    parser.add_argument("--plugin-dir", action="append", default=[], metavar="DIR",
                        help="also load plugins from DIR (repeatable)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="worker threads, 0 = all cores (overrides the config's threads)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines or summary table")
    parser.add_argument("--version", action="version",
                        version=f"mnnquant {mnnq.__version__} (plugin ABI {mnnq._mnnq.ABI_VERSION})")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        mnnq.quantize(args.src, args.dst, args.config, plugin_dirs=args.plugin_dir,
                      threads=args.threads, verbose=not args.quiet)
    except KeyboardInterrupt:
        print("mnnquant: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError) as e:
        print(f"mnnquant: error: {e}", file=sys.stderr)
        return 2
    except (mnnq.Error, RuntimeError, OSError, MemoryError) as e:
        print(f"mnnquant: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
