"""Where bfloat16 pays: on CPUs that compute it natively (AVX-512 BF16, AMX), a small LSTM
or a batch of linear layers runs several times as fast in it as in float32; elsewhere it is
emulated, and slower."""
from contextlib import nullcontext

import torch


def native_bfloat16(device: torch.device | str) -> bool:
    """Whether this device's CPU computes bfloat16 natively (False for GPUs: unmeasured there)."""
    if torch.device(device).type != "cpu":
        return False
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)   # private, hence the guard
    return bool(probe is not None and probe())


def autocast_bfloat16(enabled: bool):
    """Matrix products in bfloat16 on the CPU, where `enabled`; a context that does nothing elsewhere."""
    return torch.autocast("cpu", dtype=torch.bfloat16) if enabled else nullcontext()
