"Benchmarks of au_compendium.core: what validating a configuration costs against building it bare."
from au_compendium.bench import compare
from au_compendium.core import Config

def bench_config_validation():
    base = Config()
    def unvalidated():
        c = object.__new__(Config); c.__dict__.update(base.__dict__); return c
    t = compare({'validated': lambda: Config(fold=2), 'unvalidated': unvalidated}, repeat=5, number=200)
    return dict(validated_us=t['validated'] * 1e6, unvalidated_us=t['unvalidated'] * 1e6,
                ratio_validated_over_bare=t['validated'] / t['unvalidated'])
