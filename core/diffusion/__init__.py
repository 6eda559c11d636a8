"""The paper's network (MoEE, CVPR 2025) on diffusers parts: the diffusion engine.

    config.py         DiffusionConfig and the cross_attention_kwargs names
    gates.py          the one definition of the global gates g (render and training)
    reference.py      ReferenceBank + write/read attention processors (ReferenceNet -> U-Net)
    audio.py          wav2vec2 features windowed per frame, AudioProjModel (audio tokens)
    moe_attention.py  EmotionExpert, MoEECrossAttnProcessor (audio + six emotion experts)
    unet.py           MoEEAttentionAdapter: builds/installs the processors on a UNetMotionModel
    pipeline.py       MoEEPipeline (AnimateDiff-shaped) and MoEEPipelineOutput
    loading.py        models/ layout, from_pretrained with named errors, saving added modules
    engine.py         DiffusionEngine (core.engine.Engine): clip-by-clip rendering
    tiny.py           tiny random components for tests, `doctor --tiny` and the CPU smoke bench
    portrait.py       DiffusionPortrait: face crop + face/lip/region masks (prepare())
    ops.py            batch spreading, multi-head SDPA, latent-grid maps -> per-token weights
"""
from core.native_logs import quiet_diffusers_cast

quiet_diffusers_cast()  # a warning about an empty list of modules, on every U-Net build
