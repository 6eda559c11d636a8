"""Training the diffusion engine on a studio's own footage (MoEE, CVPR 2025, Sec. 3.4).

    metadata.py    clip list (CSV or JSON): file, emotion, aus, text, split, person
    video.py       read/write talking-head clips (frames + fps; audio via core.audio)
    prepare.py     crop/align faces, masks, landmarks, AUs, audio -> a cache folder + manifest.json
    au_fit.py      per-frame AU intensities from landmarks (the rig's AU basis inverted)
    consistency.py does a clip's AU profile show its label (prepare's filter)
    shards.py      `prepare --shard i/n` and merged manifests
    data.py        the prepared cache as a dataset of training windows
    sampling.py    masked noisy emotion sampling, reference pairing, guidance drops (stage 2)
    conditions.py  the emotion latent of a batch: label, AU and text branches
    losses.py      L_latent + lambda * w(t) * (L1 + perceptual), chunked decode, gate loss
    perceptual.py  VGG-19 features loaded from a local folder (models/vgg19)
    model.py       one conditioned denoising forward over core.diffusion's parts
    stages.py      which parameters each stage trains (and the stage-2 freeze check)
    distributed.py Accelerate: one process or many (DDP), mixed precision
    checkpoint.py  a folder per step; resume from the latest, on any number of processes
    trainer.py     the loop: gradient accumulation, progress, CSV log
    evaluate.py    AKD, emotion accuracy (AU proxy), lip-sync on held-out clips
    tuning.py      every number that tunes the above, with its source
"""
