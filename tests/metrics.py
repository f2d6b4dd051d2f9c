"""The process's Prometheus samples, as /metrics exports them: tests compare them before and after."""

from prometheus_client import REGISTRY


def sample_value(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def guard_blocks(guard: str, stage: str) -> float:
    return sample_value("ragops_guard_blocks_total", {"guard": guard, "stage": stage})
