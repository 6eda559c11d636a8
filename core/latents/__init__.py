"""Emotion-to-Latents (MoEE Sec. 3.3): text, label, AU and audio conditions -> emotion latent + gates.

Entry points: core.latents.resolve.resolve_condition / suggest_from_text / resolved_mix;
the module is core.latents.module.EmotionToLatents; prompt_eval.py scores suggested gates
against expected emotions (scripts/eval_prompts.py). Nothing heavy is imported here.
"""
