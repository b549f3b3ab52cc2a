"""Schemathesis hooks for scripts/fuzz.

Path ids are usually random 64-bit integers, so nearly every request would stop at a 404.
Half of the generated path-parameter sets get their integer ids replaced by small ones, which
scripts/fuzz has seeded (projects, roles, users, work items, ... with ids 1-3), so the fuzzer
also reaches the handlers' validation and writes. Nothing here is specific to one endpoint.
"""

import schemathesis
from hypothesis import strategies as st


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    seeded = {
        name: st.integers(min_value=1, max_value=3)
        if isinstance(value, int) and not isinstance(value, bool)
        else st.just(value)
        for name, value in path_parameters.items()
    }
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(seeded))
