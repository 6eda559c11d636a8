"""Emotion-to-Latents (MoEE Sec. 3.3): text, label, AU and audio conditions -> emotion latent + gates.

Entry points: core.latents.resolve.resolve_condition / suggest_from_text / resolved_mix;
the module is core.latents.module.EmotionToLatents. Nothing heavy is imported here.
"""
