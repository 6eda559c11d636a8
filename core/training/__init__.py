"""Training the diffusion engine on a studio's own footage (MoEE, CVPR 2025, Sec. 3.4).

    metadata.py    clip list (CSV or JSON): file, emotion, aus, text, split
    video.py       read/write talking-head clips (frames + fps; audio via core.audio)
    prepare.py     crop/align faces, masks, landmarks, audio -> a cache folder + manifest.json
    data.py        the prepared cache as a dataset of training windows
    sampling.py    masked noisy emotion sampling (stage 2)
    losses.py      L_latent + lambda * w(t) * (L1 + perceptual), gate loss
    perceptual.py  VGG-16 features loaded from a local folder
    model.py       one conditioned denoising forward over core.diffusion's parts
    stages.py      which parameters each stage trains (and the stage-2 freeze check)
    checkpoint.py  a folder per step; resume from the latest
    trainer.py     the loop: AMP, gradient accumulation, progress, CSV log
    metrics.py     AKD, emotion accuracy (AU proxy), lip-sync on held-out clips
    tuning.py      every number that tunes the above, with its source
"""
