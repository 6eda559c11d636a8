"""Every number that tunes preparation, sampling, losses and evaluation, with its source.

Model sizes and optimiser settings live in the stage config (trainer.StageConfig) because users
change them per run; these are the recipe's constants.
"""
from __future__ import annotations

TUNING: dict[str, float] = {
    # --- prepare: alignment (FFHQ-style crop; DESIGN.md face frame, unit = IPD)
    "crop_ipd_frac": 0.30,        # IPD as a share of the crop side: face width 2.41 IPD (FACS.md) ~ 72 %
    "crop_eye_y": 0.40,           # eye line height in the crop: leaves room for chin and mouth motion
    "crop_size": 256,             # cached side in pixels; training resizes (SD-1.5 trains at 512)
    # --- prepare: rejection rules
    "min_frames": 16,             # shorter clips are skipped: one training window (Hallo uses 14-16)
    "max_missing_face_frac": 0.2,  # more frames without a face than this -> clip skipped
    "min_audio_rms": 1e-3,        # below -60 dBFS the clip counts as silent (no speech to learn from)
    # --- prepare: masks (in IPD around the lips; FACS.md mouth width 0.77 IPD)
    "mouth_margin_ipd": 0.25,     # mouth mask = lip box grown by this: covers AU 12/15/25/26 motion
    # --- stage 2: masked noisy emotion sampling (MoEE Sec. 3.4)
    "noise_rate": 0.2,            # share of stage-2 samples swapped for another emotion or neutral
    "neutral_share": 0.5,         # of those, share that are neutral clips (when the data has any)
    "cross_reference_rate": 0.5,  # reference frame from another clip of the same person (render
                                  # time never shows the network a frame of its own take)
    "condition_keep_rate": 0.5,   # each of a clip's conditions (label, AUs, text) feeds its latent
                                  # with this chance: renders give one condition or a few
    # --- classifier-free guidance (Hallo: audio, reference and motion dropped at 0.05 each)
    "audio_drop_rate": 0.05,      # samples trained without audio: the null the pipeline guides from
    "emotion_drop_rate": 0.05,    # stage-2 samples trained with the MoE off (the emotion null)
    # --- prepare: AU intensities from landmarks (au_fit.py)
    "au_fit_ridge": 1e-4,         # ridge on the AU weights: the basis' smallest singular values are
                                  # ~1e-4 (AU12/14/20 share the corners); recovers synthetic AUs to 0.01
    # --- prepare: emotion consistency (AU profile vs the label's expert AUs, core/expression.py)
    "emotion_consistency_min": 0.3,  # cosine below this -> clip filtered (speech AUs 25-27 left out)
    "au_profile_percentile": 90,     # a clip's AU profile: this percentile of each AU over frames
    # --- losses (MoEE Eq. 6: L_latent + lambda * w(t) * (L1 + VGG))
    "pixel_lambda": 0.1,          # lambda; pixel terms are ~10x the latent MSE at init (Hallo-style)
    "perceptual_weight": 1.0,     # VGG term against L1 inside the bracket (paper: equal)
    "decode_chunk": 4,            # frames decoded (and fed to VGG) at once with gradient
    "gate_loss_weight": 0.1,      # compound clips: BCE of the global gates vs the preset weights
    # --- evaluation
    "lipsync_max_lag_frames": 2,  # mouth vs audio energy correlation searched over +-2 frames (80 ms)
}
