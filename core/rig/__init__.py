"""The rig engine: MoEE on Face Mesh landmarks, a dense warp and painted eyes and mouth, on CPU.

A frame's road: core/track.py resolves the job's emotion once into per-frame arrays, engine.py
reads a row and the audio tracks into per-frame controls (pose.py RigPose), motion.py
turns them into landmark displacements (emotion through moe_rig.py, AUs through au_basis.py,
head and gaze), warp.py moves the pixels, eyes.py and mouth.py repaint what a warp can't.

    engine.py     RigEngine (core.engine.Engine): prepare, frames, render_frame
    portrait.py   PreparedPortrait (landmarks, face frame, basis, caches) and its per-size state
    compose.py    one frame's controls from its track row (core/track.py), speech and life
    pose.py       RigPose: one frame's controls, whatever the source (take, preview, live)
    moe_rig.py    EmotionMoE over the 478 landmark tokens (the paper's equation, literally)
    moe_experts.py  the experts as torch modules (built on first use: torch loads lazily)
    au_table.py   one table: each AU's movers (named point sets) and magnitudes
    au_points.py  the named Face Mesh point sets the AU table moves
    au_basis.py   AU -> landmark displacement basis in the portrait's face frame, from the table
    rest.py       the portrait's rest expression: AUs fitted against MediaPipe's canonical face
    fold_guard.py keeps the landmark mesh fold-free (exaggeration up to intensity 1.5)
    motion.py     RigPose -> landmark displacements (emotion, speech, other AUs, head, gaze)
    life.py       blinks, head motion and gaze saccades (deterministic per seed)
    speech_track.py  a take's speech drive (mouth AUs, activity, closures), a chunk at a time
    warp.py       sparse landmark motion -> dense backward map -> cv2.remap
    eyes.py       unsquashed eyeballs and irises inside the current lid opening
    mouth.py      the mouth interior: cavity, teeth, tongue where the lips part; the line
                  where lips meet over a smile's teeth
    roi.py        the pixel box a per-frame painter (eyes, mouth) works in
    shading.py    AU-driven creases, furrows and bulges on luminance (table: shading_table.py)
    tuning.py     every number that tunes the rig's motion, with its source
"""
