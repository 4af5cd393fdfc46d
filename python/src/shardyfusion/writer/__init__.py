"""Writers. The in-process writer lives in :mod:`shardyfusion.writer.python`."""
