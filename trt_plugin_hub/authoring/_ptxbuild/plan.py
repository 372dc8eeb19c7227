"""What the build step compiles: each AOT and kernels op's recipe, launch and output files, from the draft manifest."""

from __future__ import annotations

from dataclasses import dataclass

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._manifest import ManifestDraft, Recipe, TritonRecipe, parse_signature

__all__ = ["AotOpBuild", "CompiledKernel", "plan_builds"]


@dataclass(frozen=True)
class CompiledKernel:
    """What a compiler produced for one kernel and architecture."""

    ptx: str
    kernel: str
    compiler: str


@dataclass(frozen=True)
class AotOpBuild:
    """Everything needed to build and record one AOT op's PTX."""

    index: int
    op_id: str
    stem: str
    compiler: str
    archs: tuple[str, ...]
    output_dir: str
    launch: LaunchSpec
    recipe: Recipe
    #: A kernels op's tensors and outputs, from its schema (``None`` for an aot op, whose plugin
    #: code says them).
    schema_io: tuple[int, int] | None = None

    @property
    def declared_params(self) -> int | None:
        """Kernel parameters the manifest declares (``None`` when it does not say)."""
        if isinstance(self.recipe, TritonRecipe):
            return len(self.recipe.signature)
        if self.schema_io is not None:
            return self.schema_io[0] + len(self.launch.extras) + self.schema_io[1]
        return None


def plan_builds(draft: ManifestDraft) -> tuple[AotOpBuild, ...]:
    """The build of every AOT op of a manifest read in draft mode, in manifest order.

    Raises :class:`PtxBuildError` with the manifest's errors (every one, a line each; AOT ops not
    built yet are what the build is for), for an AOT op without a ``build`` or ``launch`` section,
    and for two ops whose PTX files would have the same names.
    """
    problems = draft.problems
    if problems or draft.manifest is None:
        raise PtxBuildError("\n".join(str(error) for error in problems) or "the manifest cannot be read")
    builds = []
    stems: dict[tuple[str, str], str] = {}
    for index, op in enumerate(draft.manifest.ops):
        if not op.kind.prebuilt:
            continue
        if op.recipe is None:
            raise PtxBuildError(f"{'an' if op.kind == 'aot' else 'a'} {op.kind} op needs a build section (how to "
                                "compile its kernel); it has none", op_id=op.id)
        if op.launch is None:
            raise PtxBuildError(f"{'an' if op.kind == 'aot' else 'a'} {op.kind} op needs a launch section (the build "
                                "checks its kernel against it); it has none", op_id=op.id)
        schema_io = None
        if op.schema is not None:
            signature = parse_signature(op.schema)
            schema_io = (len(signature.tensors), signature.outputs)
        stem = f"{op.name}.{op.overload}" if op.overload else op.name
        recipe = op.recipe
        if (recipe.output_dir, stem) in stems:
            raise PtxBuildError(f"its PTX files would overwrite those of {stems[(recipe.output_dir, stem)]}",
                                op_id=op.id)
        stems[(recipe.output_dir, stem)] = op.id
        builds.append(AotOpBuild(index=index, op_id=op.id, stem=stem, compiler=recipe.compiler, archs=recipe.archs,
                                 output_dir=recipe.output_dir, launch=op.launch, recipe=recipe, schema_io=schema_io))
    return tuple(builds)
