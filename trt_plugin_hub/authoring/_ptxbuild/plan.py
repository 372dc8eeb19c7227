"""What the build step compiles: each AOT op's recipe, launch and output files, from the draft manifest."""

from __future__ import annotations

from dataclasses import dataclass

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._manifest import ManifestDraft, OpKind, Recipe, TritonRecipe

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

    @property
    def declared_params(self) -> int | None:
        """Kernel parameters the manifest declares (``None`` when it does not say)."""
        if isinstance(self.recipe, TritonRecipe):
            return len(self.recipe.signature)
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
        if op.kind is not OpKind.AOT:
            continue
        if op.recipe is None:
            raise PtxBuildError("an aot op needs a build section (how to compile its kernel); it has none",
                                op_id=op.id)
        if op.launch is None:
            raise PtxBuildError("an aot op needs a launch section (the build checks its kernel against it); it has "
                                "none", op_id=op.id)
        stem = f"{op.name}.{op.overload}" if op.overload else op.name
        recipe = op.recipe
        if (recipe.output_dir, stem) in stems:
            raise PtxBuildError(f"its PTX files would overwrite those of {stems[(recipe.output_dir, stem)]}",
                                op_id=op.id)
        stems[(recipe.output_dir, stem)] = op.id
        builds.append(AotOpBuild(index=index, op_id=op.id, stem=stem, compiler=recipe.compiler, archs=recipe.archs,
                                 output_dir=recipe.output_dir, launch=op.launch, recipe=recipe))
    return tuple(builds)
