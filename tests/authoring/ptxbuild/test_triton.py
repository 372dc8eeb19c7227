"""Triton's PTX made fit for TensorRT's AOT launcher: its hidden scratch parameters cut off."""

from __future__ import annotations

import pytest

from trt_plugin_hub._ptx import find_entry
from trt_plugin_hub.authoring import PtxBuildError
from trt_plugin_hub.authoring._ptxbuild.triton import strip_hidden_params


def test_hidden_parameter_used_by_the_body_is_refused_naming_the_kernel() -> None:
    ptx = (".version 8.7\n.target sm_80\n.address_size 64\n\n.visible .entry k(\n"
           "\t.param .u64 .ptr .global .align 1 k_param_0,\n\t.param .u32 k_param_1,\n"
           "\t.param .u64 .ptr .global .align 1 k_param_2,\n\t.param .u64 .ptr .global .align 1 k_param_3,\n"
           "\t.param .u64 .ptr .global .align 1 k_param_4\n)\n{\n\tld.param.b64 %rd1, [k_param_3];\n\tret;\n}\n")
    with pytest.raises(PtxBuildError, match=r"kernel 'k' uses Triton's hidden scratch parameter k_param_3"):
        strip_hidden_params(ptx, "k", 3, op_id="ns::k", arch="sm_80")
    unused = ptx.replace("[k_param_3]", "[k_param_0]")
    stripped = strip_hidden_params(unused, "k", 3, op_id="ns::k", arch="sm_80")
    entry = find_entry(stripped, "k")
    assert entry is not None and [p.name for p in entry.params] == ["k_param_0", "k_param_1", "k_param_2"]

