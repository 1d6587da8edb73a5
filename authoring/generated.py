"""The command line every generator of the kit shares: write, or `--check` for staleness."""

import argparse


def generator_main(argv, description, folder, make_target, stale_files, write):
    """Write the generated files, or with --check list the stale ones (exit 1).

    Args:
        argv: command-line arguments (None for sys.argv).
        description: the --help line.
        folder: what is generated, for messages ("student_stubs/").
        make_target: the make target that regenerates it ("make stubs").
        stale_files: callable returning the names of stale files.
        write: callable writing every file and returning their names.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            print(f"{folder} is out of date (run `{make_target}`):", *stale, sep="\n  ")
            return 1
        print(f"{folder} is in sync with its sources")
        return 0
    names = write()
    print(f"wrote {len(names)} files to {folder}")
    return 0
