"""Runs pytest with the interpreter that has moto and boto3 installed.

Where that interpreter has no pytest (pip cannot reach PyPI here), Debian's
python3-pytest (and python3-freezegun, which moto's tests import) are used
from /usr/lib/python3/dist-packages, appended last so the interpreter's own
moto/boto3/botocore win.
"""
import sys

try:
    import pytest  # noqa: F401
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
try:
    import freezegun  # noqa: F401
except ImportError:
    if "/usr/lib/python3/dist-packages" not in sys.path:
        sys.path.append("/usr/lib/python3/dist-packages")
import pytest  # noqa: E402

sys.exit(pytest.main(sys.argv[1:]))
