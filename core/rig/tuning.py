"""Every number that tunes the rig's motion, in one place, with its source.

Units: IPD (inter-pupil distance) in the face frame (core/face/frame.py): x toward the subject's
left, y toward the chin. "FACS.md" = ../shared/FACS.md (AU table, canonical proportions);
"by eye" = tuned on renders of the sample portrait and stylised copies of it.
"""
from __future__ import annotations

# AU full-strength magnitudes (IPD). FACS.md gives ranges; the value picked is noted.
AU_MAGNITUDE: dict[str, float] = {
    "au1_inner_brow_up": 0.17,  # FACS.md 0.10-0.15; x1.3 by eye: at 0.13 sad/fear were faint
    "au2_outer_brow_up": 0.16,  # FACS.md 0.10-0.15; x1.3 by eye (as AU1)
    # FACS.md 0.05-0.08 down, 0.03-0.05 medial; x1.9 by eye: at 0.07 anger read only on a close
    # look, at 0.10 (x1.4) the smiling photo's anger still read as a mild, calm face at thumbnail
    # size; at 0.15 the brows come down over the lids into the glare
    "au4_brow_down": 0.15,
    "au4_brow_medial": 0.09,
    "au5_upper_lid_up": 0.065,  # FACS.md 0.04-0.06; top of range + 10 % so sclera shows (by eye)
    "au6_cheek_up": 0.065,  # FACS.md 0.04-0.06; +10 % over the top by eye
    "au7_lower_lid_up": 0.045,  # FACS.md 0.02-0.04; +10 % over the top by eye
    "au9_nose_up": 0.075,  # FACS.md 0.04-0.06; x1.25 over the top: disgust was the faintest
    "au10_upper_lip_up": 0.09,  # FACS.md 0.05-0.08; +12 % over the top (disgust, by eye)
    "au11_nasolabial": 0.02,  # by eye (small; no FACS.md figure)
    "au12_corner_up": 0.14,  # FACS.md 0.12-0.18 total at ~45 deg: 0.14 up + 0.11 out = 0.178,
    # the top of the range (by eye and by a FER2013 CNN, benchmarks/legibility_cnn.py: at
    # 0.12 + 0.10 a smile on a closed-mouth portrait read neutral)
    "au12_corner_out": 0.11,
    "au14_corner_in": 0.03,  # FACS.md 0.02-0.04
    "au15_corner_down": 0.13,  # FACS.md 0.05-0.08; x1.6 by eye: a sad mouth must read at a glance
    "au16_lower_lip_down": 0.07,  # FACS.md 0.05-0.08
    "au17_chin_up": 0.065,  # FACS.md 0.04-0.06; +10 % by eye
    "au18_pucker_width": 0.30,  # FACS.md width -25 to -35 %
    "au20_thin": 0.01,  # by eye: the red of the lips thins as they stretch (each contour)
    "au20_corner_out": 0.11,  # FACS.md 0.06-0.10 per corner; +10 % over the top (fear, by eye)
    "au22_funnel_width": 0.20,  # FACS.md width -20 %
    "au22_opening": 0.03,  # by eye: rounded opening of the funnel
    "au23_thin": 0.50,  # FACS.md thickness -30 to -50 %
    "au24_press": 1.0,  # FACS.md "contours meet": fraction of the inner gap closed
    "au25_lower_lip_down": 0.065,  # FACS.md gap 0.03-0.08 (0.05 left a smile's teeth a sliver)
    "au25_upper_lip_up": 0.012,
    "au26_jaw_down": 0.30,  # FACS.md 0.15-0.35
    "au27_jaw_down": 0.5,  # FACS.md 0.4-0.7
    "au45_closure": 0.96,  # fraction of the lid gap closed (a hairline stays, as on real lids)
}

# Gaussian spread of each mover group's motion to the surrounding skin landmarks (IPD).
SPREAD_SIGMA: dict[str, float] = {
    "brow": 0.16,
    "lid": 0.05,
    "cheek": 0.22,
    "nose": 0.10,
    "lip": 0.10,
    "corner": 0.20,
    "jaw": 0.35,
}

# How much farther a brow raise (AU1, AU2) spreads up the forehead than beside or below its
# movers (the Gaussian's sigma above them, times SPREAD_SIGMA["brow"]). At 1 the forehead took
# the raise in the band just over the brow, squeezed to 0.39 of its height there (0.54 above;
# five portraits' surprise, brow to Face Mesh's top ring): a brow ridge's highlight between
# the raised brow and a fringe's shadow became a crisp pale arc over each brow (a grayscale
# boy, a dark-skinned low-resolution photo, by eye). At 1.5 the two bands take 0.61 and 0.51
# (the forehead bunches as a whole) and the top ring rises 0.01-0.06 IPD; at 2, 0.05-0.08
# (the hairline visibly climbs)
BROW_RAISE_SPREAD_UP = 1.5

# Mouth limits that keep expressions from stacking into grimaces (DESIGN.md, last point).
MOUTH_LIMITS: dict[str, float] = {
    # corners may rise at most this far above the lip midline, rest pose included (by eye:
    # a broad natural smile on the sample portrait sits at ~0.16)
    "max_corner_elevation": 0.22,
    # (AU15 no longer undoes a smiling rest pose itself: the rest expression is measured and
    # replaced, core/rig/rest.py and REST_CONFLICTS)
    "min_au12_gain": 0.25,
    # least spacing of a lip's rings of landmarks, inner contour out (motion.py _order_rings),
    # or their rest spacing where smaller: about a third of the rest spacing at the sample
    # portrait's lip centre (0.016-0.027 between points 13, 12, 11 and 0)
    "lip_ring_gap": 0.008,
}

# Speech's lip closure over an expression's open lips (motion.py _close_over): speech AU24 at
# this intensity closes whatever gap is left (FACS.md visemes: PP is AU24 0.6)
# `spread`: the share of a closure that reaches the frames beside it, for an emotion's jaw held
# open (core/rig/engine.py Tracks.closing: surprise's jaw shut for one frame and opened again,
# a pop at 25 fps; by eye)
CLOSURE = {"full_at": 0.6, "spread": 0.5}

# How speech and emotion share the mouth (by eye).
SPEECH_MIX: dict[str, float] = {
    # share of the emotion's own lip pressing (AU23, AU24) that fades while speech is active:
    # all of it, or pressed lips would swallow the words
    "emotion_press_yield": 1.0,
    # ... and of its own opening (AU16, AU25, AU26, AU27): speech moves the jaw on top of what
    # is left, and its p/b/m close the lips (all of the opening yields to them, compose.py).
    # 0.3 read best (a FER2013 CNN on talking takes: rose most over neutral talking 14/36
    # against 10/36 at 0.6 and 9/36 at 1.0), but the smiling photo's upper lip, thinned by its
    # smile's removal, then folded in every frame of a talking surprise and the fold guard took
    # ~1 ms a frame to unfold it (mesh passes a frame, "happily surprised": 37 at 0.3, 26 at
    # 0.5, 9 at 0.6, 4 at 1.0)
    "emotion_open_yield": 0.6,
    # AU27 (mouth stretch) in speech is for shouted vowels; at full gain ordinary loud vowels
    # gape (by eye on the sample voice)
    "speech_au27_gain": 0.35,
    # ceiling on the total jaw drop (AU26 + AU27 motion) from speech and emotion together, IPD:
    # FACS.md AU26 0.15-0.35; wider reads as shouting (by eye)
    "max_jaw_drop": 0.34,
}

# Expression onset: a constant mix eases in over this time at the start of the take
# (DESIGN.md "Expression onset": at most about 0.2 s).
ONSET_SECONDS = 0.15
ONSET_FLOOR = 0.6  # share of the mix shown at t = 0, so even the first preview frame shows it

# Head rotation pivot, in IPD from the between-eyes origin: about mid-head (canonical head
# depth ~ 1.9 IPD, FACS.md face height 2.78 IPD; pivot near the atlas joint, by eye).
HEAD_PIVOT_IPD = {"y": 0.9, "z": 1.3}

# Head yaw on a 2-D warp (core/rig/motion.py `_yaw`): the face's points turn on a sphere whose
# silhouette is the face oval widened by `silhouette` (hair and ears sit there and barely move in
# x when a head turns: its outline is made by ever different points), so the oval never slides
# against the still background (a rigid 3-D turn moved it 0.2 IPD at 20 deg: the ear beside it was
# smeared into a ghost and the far cheek folded over its own edge, by eye on grace_hopper.jpg).
# Points in front of the sphere (the nose) add their parallax (`protrusion`: share of it used).
# Within `midline_band` IPD of the midline the two sides' spheres blend (smoothstep), so that the
# turn has no step there. On a face turned 20 deg in its picture (spheres 1.0 and 1.5 IPD at the
# nose's bridge) the turn's steepest squeeze across the midline is then 0.37 at 15 deg (a fold
# is 1; 0.25 at 0.5 IPD, whose blend reaches the pupils); a frontal face's 0.17 is unchanged
HEAD_YAW = {"silhouette": 1.15, "protrusion": 1.0, "midline_band": 0.3}

# A mouth corner pulled down drags the skin and lip around it (the depressor anguli oris pulls
# the corner and the tissue beside it as one, FACS.md AU15: "lower lip pulled down and stretched
# at the corners"): points within `radius` IPD take (1 - dist / radius) ** falloff of the
# corner's downward lead over them (by eye on the smiling astronaut set to sad and angry: the
# corners reach below the lip midline without the lower lip folding over them)
CORNER_FOLLOW = {"radius": 0.18, "falloff": 1.5,
                 # ... and the skin below a corner coming down stays below it: a point that lay
                 # `push_reach` IPD or less under the corner at rest keeps at least `push_keep`
                 # of its height under it (the tissue bunches), fully in line with the corner
                 # and not at all `push_width` IPD aside. A smile taken away brings the
                 # smiling photo's corners 0.3 IPD down, past skin the drag above barely moves,
                 # and the fold guard's unfolding lifted them back: its sad kept 0.087 of the
                 # 0.136 IPD frown below the lip seam asked, its anger 0.085 of 0.140; with the
                 # push 0.127 and 0.131 (the pencil drawing 0.101 -> 0.135), and the mouth
                 # reads as turned down at contact-sheet size (by eye)
                 "push_keep": 0.5, "push_width": 0.25, "push_reach": 0.4}

# Lid-eye coordination: the upper lid follows the eye's vertical rotation almost one to one,
# the lower lid a little (Becker & Fuchs 1988, J. Neurophysiol. 60, "Lid-eye coordination during
# vertical gaze changes in man and monkey"), so a downcast look (sadness) droops the lids and a
# look up under lowered brows (anger's stare) shows more of the eye. Shares of the iris's
# vertical shift (IPD) each lid point moves by, weighted by how near the lid's middle it is.
LID_GAZE = {"upper": 0.9, "lower": 0.3}

# Rest-expression fit (core/rig/rest.py; DESIGN.md "The rest expression").
REST_FIT: dict = {
    # AUs a portrait may show at rest (FACS.md: smile, open or pressed lips, raised or lowered
    # brows); speech-only AUs (18, 22, 27), blinks, the lid AUs 5/7 and the mouth-width AUs
    # 14/20 stay out (eye opening and mouth width are mostly identity: canonical vs own face)
    "aus": (1, 2, 4, 6, 9, 10, 12, 15, 17, 23, 24, 25, 26),
    # ... except on lips parted at rest (inner gap at least `width_from_gap` IPD): there the
    # corners' height against the lip midline's centre cannot tell a toothy smile (corners up)
    # from a parted mouth (the centres apart). 9 of 31 toothy smiles among 108 test photos
    # (GFPGAN's and CodeFormer's inputs, deepface's, LivePortrait's, SadTalker's and
    # face_recognition's, the bench's six; both FER2013 CNNs: happy >= 0.75) fitted no AU12 but
    # AU17 1.0, AU25 1.0 and AU10, and their smile never went away: set to sad, angry or
    # disgusted, their wide mouths kept grinning (by eye; on the 50 faces of GFPGAN's and
    # CodeFormer's inputs, the tuning CNN read 20 disgust renders "happy"). So the mouth's
    # width, corner to corner (face frame), joins the fit at `width_weight` per unit against one
    # point's height, with AU20 to explain a width that comes without a lift: toothy smiles are
    # 0.03-0.48 IPD wider than the posed neutral face (most over 0.2), open neutral mouths -0.16
    # to 0.16. Without AU20 the fit paired AU12 with AU15 (corners out, not up) on 28 faces and
    # read three open neutral mouths as smiles. AU20 itself is then dropped: a width without a
    # lift is the face's own mouth, and taken away (as AU20's field, or as the whole mouth
    # scaled sideways) it narrowed the mouth under a frown until the fold guard undid up to 28 %
    # of it and thickened anger's pressed lips (tests/legibility). Fitted so, 6 of those 9
    # smiles read AU12 0.3-0.6, no open neutral mouth reads more than before, and closed-mouth
    # portraits are unchanged; a weight of 1 or 2 moved them by 0.1
    "width_aus": (20,),
    "width_weight": 0.5,
    "width_from_gap": 0.05,
    # ... fitted on each side apart: one AU12 for both sides explained a smirk's one lifted
    # corner by half, under report_min on a smirking face of DECA's test samples, which kept
    # its smirk under sadness and anger (by eye; 68 of 146 portraits' fits moved with the final
    # per-side fit, mostly by under 0.1). Only on faces turned at most `sided_max_yaw` degrees
    # (face_yaw_degrees): the sides of a face turned further differ by its turn, and the Girl
    # with a Pearl Earring (-32 degrees) fitted a one-sided AU12 1.0 with AU15 0.7 and folded
    # her near mouth corner under sadness (by eye)
    "sided": (12,),
    "sided_max_yaw": 12.0,
    # ... and reported as one side's (`RestExpression.one_sided`, "AU12 0.8 (left)") when the
    # other side shows under this share of it (FACS codes a unilateral AU by its side)
    "one_sided": 0.5,
    "ridge": 0.002,  # IPD^2 per unit intensity^2, by eye: small next to a 0.1 IPD AU motion
    # below this a "rest AU" is mostly identity (canonical vs own face): grace_hopper.jpg, a
    # neutral face, fits AU15 0.22, AU2 0.19; the smiling astronaut AU2 0.23 (high brows)
    "report_min": 0.3,
    # a broad photo smile lifts the corners ~0.17 IPD, 1.4x the rig's AU12: measured up to this
    # so that replacing it takes all of it away
    "max": 1.5,
    # the lips of a teeth-showing smile stand 0.16 IPD apart (astronaut), 2.6x the rig's AU25
    # (0.062 IPD): parting AUs are measured up to this, so that pressed lips (anger's AU24,
    # sad's closed mouth) meet over the teeth instead of leaving a band of them
    "max_parting": 3.0,
    "parting_aus": (25, 26),
    # on a mouth open at rest the experts' AUs that act on the lips' own gap are built on the
    # face with the rest AUs taken away, as the mix shows them (core/rig/motion.py _mix_basis)
    "mix_on_neutral": (24,),
    # lips that meet at rest (mean inner gap under this, IPD; the canonical face's are set to
    # meet, a parted photo's stand 0.04-0.19 apart) show no parting: rest.py
    # _identity_on_closed_lips
    "lips_meet": 0.02,
    # and scaled up to close the gap shown at the lip centre, at most by this (by eye: beyond it
    # the fit has taken something else for a parted mouth)
    "max_gap_scale": 1.6,
    # the rest smile's field is scaled up to bring the corners down to the neutral height, at
    # most by this, each side on its own (rest.py _exact_corners; the astronaut's pencil
    # drawing needed 1.3-1.4x; a smirk's low side is scaled down, to 0 at the least)
    "max_corner_scale": 2.5,
    # on the lips the parting fields are the exact opening (rest.py _exact_lip_closure): the
    # upper lip's share of the closing and how far an outer contour follows its inner one. In
    # speech the lower lip and jaw do most of the moving (Vig & Brundo 1978), but a smile's
    # parting is mostly its upper lip drawn up off the teeth: at 0.4 the smiling photo, set to
    # sad and talking, still bared the smile's full band of upper teeth between words and read
    # as smiling (by eye); at 0.5 the relaxed upper lip drapes over them (0.6 folded the warp
    # of the smiling photo's "sadly surprised" at intensity 1.5, tests/legibility)
    "closure_upper_share": 0.5,
    "closure_outer": 0.5,
}

# Eyes shut or squinting at rest (core/rig/rest.py `_lowered_lids`): a laugh's squint or a
# downcast look is measured as rest AU43 (the lids closed in from the neutral face's) and
# taken away like any rest AU, so surprise, fear and anger open eyes a photo caught nearly shut
# (before, the surprised face kept a laughing squint, by eye on three of twelve portraits).
# Openings are lid area over corner-to-corner width (core/face/regions.py `lid_opening`).
REST_LIDS: dict = {
    # IPD, both eyes' mean: measured at rest on twelve portraits, open eyes 0.065-0.18 (the
    # pencil drawing's smile 0.065-0.077, a low-resolution grin 0.075), a laugh's squint
    # 0.018-0.046 and a downcast look 0.021-0.027; narrow eyes are identity, so only eyes this
    # near shut count
    "shut_below": 0.055,
    # share of the upper lid's mean move the skin ring above it follows (AU5's halo: 0.5)
    "halo_follow": 0.5,
}
# A rest AU a mix keeps instead of taking away under neutralize: the mix's own AU, or one doing
# its work (a smile's AU6 and AU7 narrow the eyes too: a laughing squint set to happy stays)
REST_KEEPS: dict[int, tuple[int, ...]] = {43: (6, 7, 43)}
# Rest AUs that a mix driving the same AU does not add to: the face shows the larger of the two.
# Lips parted at rest (a smiling photo's AU25 ~1.0) plus happy's own AU25 1.0 parted them twice:
# a laugh's mouth gaped behind its own teeth, a dark cavity and a made-up lower row under them
# (by eye on the smiling photo, the pencil drawing and four low-resolution laughs; a FER2013
# CNN's p(happy) on the smiling photo 0.96 -> 0.99). A smile (AU12) still adds: happy on a
# smiling photo reads as the broader grin users ask for (by eye)
REST_NOT_ADDED: tuple[int, ...] = (25,)
# Which mixed AUs take a rest AU away (DESIGN.md: "remove the rest AUs that conflict, add the
# expert's"): a smile yields to the corner depressor, brow lowerer, nose wrinkler, stretcher,
# pressed lips or a dropped jaw (surprise on the smiling photo read as a laughing grin); a mouth open at rest yields to pressed or tightened lips or a raised chin; etc.
REST_CONFLICTS: dict[int, tuple[int, ...]] = {
    # (10 is no rival: a broad grin raises the upper lip, happy's AU10, and 10+12 is "happily
    # disgusted" in Du et al. 2014; disgust and anger take the smile by their 9 and 4)
    12: (4, 9, 15, 20, 23, 24, 26, 27),
    6: (4, 9, 15, 20, 24, 26, 27),
    10: (4, 15, 24),
    # ... and a stretched or turned-down mouth (fear, sadness) replaces a smile's opening: kept,
    # "sadly fearful" on the smiling astronaut showed the photo's grin (by eye)
    25: (15, 17, 20, 23, 24),
    26: (15, 17, 20, 23, 24),
    15: (12,),
    17: (25, 26),
    23: (12, 25, 26),
    24: (12, 25, 26),
    4: (1, 2, 12),
    1: (4,),
    2: (4,),
    9: (1, 2, 12),
    # eyes shut at rest open for raised lids or brows and for fear's stretched mouth
    43: (1, 2, 5, 20),
}
REST_REPLACE_FULL = 0.5  # a conflicting AU at this mixed intensity removes the rest AU fully (by eye)

# A mixed AU that gives way to another the mix drives: scaled by 1 - that one's intensity.
# AU27's corners drawn in and its tall "O" (surprise) fought a smile's corners pulled up and
# out (AU12): "happily surprised" opened as plain surprise, its smile gone (by eye on four
# portraits); Du et al.'s happily surprised is 1+2+12+25+26, no 27
MIX_YIELDS: dict[int, int] = {27: 12}

# (AU, expert, k, from): the part of a mixed AU that the experts `from` make gives way to
# another expert's share of the mix (its gate over the strongest gate), scaled by 1 - k * share;
# what other experts make of that AU stays. Sadness under surprise: Du et al. 2014's sadly
# surprised is 1+4+25+26, no outer brow raise (2), no raised upper lids (5); surprise's arcs
# and wide eyes hid sadness's oblique brows and heavy lids, and its drawn-in "O" (27) the
# corners turned down: the preset (surprised 0.55, sad 0.45) read as plain surprise (by eye on
# twelve portraits; a FER2013 CNN's top two on 50 faces were sad and surprise 2 times, 7 with
# these yields, its top one surprise 31 -> 17 and sad 2 -> 17). At k 1.1 the preset keeps a
# tenth of them; a sad gate as strong as the surprise takes them all.
# Anger under surprise and fear: Du et al.'s angrily surprised is 4+25+26 and fearfully angry
# 4+20+25, no brow raise (1, 2): surprise's and fear's raised brows hid anger's lowered ones
# and the compounds read as surprise and fear (by eye on six portraits; the same CNN's top two
# on 50 faces 18 -> 26 and 10 -> 13, the second CNN's 10 -> 19 and 7 -> 12). Sadness's own
# inner brow raise stays: under anger's bared teeth it is all that tells "sadly angry" (and
# anger's glare stays there: yielding to sadness too, the second CNN's pair went 10 -> 6 of 50)
_SURPRISE_FEAR = ("surprised", "fearful")
GATE_YIELDS: tuple[tuple[int, str, float, tuple[str, ...]], ...] = (
    (2, "sad", 1.1, _SURPRISE_FEAR), (5, "sad", 1.1, _SURPRISE_FEAR),
    (27, "sad", 1.1, ("surprised",)),
    (1, "angry", 1.1, _SURPRISE_FEAR), (2, "angry", 1.1, _SURPRISE_FEAR))

# How far each expert moves the face at its gate 1, times its AU activations (core/expression.py
# EXPERT_AUS, FACS intensities): the rig's 2-D motion for a FACS "E" was tuned per AU and left
# whole expressions faint, read as neutral (sad, angry and happy most: a FER2013 CNN on 216
# talking takes of 36 faces read sad as neutral 12 times, angry 11). Past 1 an AU goes beyond
# the FACS ceiling as master intensity does (moe_rig.ceiling; gap AUs still stop at 1, the jaw
# at EXAGGERATION's max_jaw_drop). Disgust stays at 1: stronger, its sneer turned grotesque and
# read angry (by eye; the same CNN's disgust 7 -> 4 of 36 at 1.3). Unlisted experts 1.0.
EXPERT_STRENGTH: dict[str, float] = {"happy": 1.2, "sad": 1.3, "angry": 1.3, "fearful": 1.3,
                                     "surprised": 1.2}

# Exaggeration (master intensity above 1, core/validate.py MAX_INTENSITY): a mixed AU may reach this,
# except AUs whose magnitude is a fraction of a gap (lids, pressed lips): past 1 they would cross
# over and fold the mesh (tests/legibility/test_exaggeration.py)
EXAGGERATION: dict = {"max_au": 1.5, "gap_aus": (18, 22, 24, 43, 45),
                      # the mix's own jaw drop (AU26 + AU27 motion), IPD (FACS.md AU27 0.4-0.7;
                      # surprise's is 0.5 at intensity 1): "disgustedly surprised" at 1.5 (0.75)
                      # folded the warp beside the nose on the sample portrait, 0.7 still did
                      # (tests/legibility/test_exaggeration.py)
                      "max_jaw_drop": 0.65}

# The skin between a lowered brow and the rising upper lid (core/rig/lid_skin.py): the lid's
# margin stays this share of its rest gap below the brow (by eye: anger's brows over its glare),
# the lowered brow pushes the margin down by this share of its drop (the fold guard had done
# it, more, by unfolding), and the skin rings between the two go to their rest places in the
# gap as the brow comes down, fully once it is down this share of the gap, so that they bunch
# up in order
LID_SKIN = {"margin_clearance": 0.3, "margin_push": 0.2, "full_at": 0.4}

# Fold guard (core/rig/fold_guard.py): how hard a flipped triangle's corners are pulled toward
# their mean motion per pass, and how many passes at most (measured: every expert and MoEE
# compound at intensity 1 and 1.5 on the astronaut and grace_hopper.jpg ends with no flipped
# triangle at 0.8 and 60 passes; 1.0 oscillates and leaves a few; a pass without flips is the
# only cost in the common case, one area check); what still flips after that (rare) shrinks
# toward the rest shape by `shrink` per pass. 120 passes, the last `unpinned_passes` of them
# with the sealed lips' seam let go (a triangle held on two corners only closes in on the held
# edge): talking takes of the 50 portraits looked at (43,000 frames, 10 mixes) all unfold
# within them; at 60 passes, none let go, 534 frames needed the shrink, which snapped lips and
# mouth corners up to 0.46 IPD for a frame (90 and 45: 5 frames)
FOLD_GUARD = {"pull": 0.8, "iterations": 120, "shrink_passes": 30, "shrink": 0.7,
              "unpinned_passes": 60,
              # the outer mouth corners' pull, as a share of `pull`: a smile taken away from
              # the smiling photo moves its corners ~0.29 IPD down, more than the skin beside
              # them follows, and at an equal pull the guard unfolded that by lifting the
              # corners back up: sad kept 0.064 IPD of corner drop below the lip seam, angry
              # 0.015 (0.124 and 0.066 unguarded). At 0.25 the skin follows the corners instead:
              # 0.079 and 0.040, with as many passes. Pinned (0), the folds left tore the lip
              # line; the inner corners too (they border the sealed seam) left "angrily
              # disgusted" at intensity 1.5 with 2-4 flipped triangles at the lip centre
              "corner_share": 0.25,
              # ... for this many passes; what still flips after them unfolds at the full pull
              "corner_passes": 30,
              # IPD^2 (twice the area): below it a rest triangle is a sliver whose sign is noise
              # (measured: the closed-lip slit's triangles on grace_hopper.jpg, 6e-6..1e-4;
              # an ordinary mesh triangle ~5e-3)
              "min_area": 1.5e-4}

# A rest smile taken away leaves its creases in the texture: the commissure folds that curl up
# and out from the corners kept a sad or angry closed mouth reading as a closed-lip smile on the
# smiling sample portrait (by eye; a FER2013 CNN read its sad 0.77 happy). core/rig/unsmile.py
# lifts what is darker than its surroundings around the rest and the moved corners, outside
# the lips: `radius` IPD around each, against a blur of `sigma` IPD, at full strength when
# rest AU12 x its removed share reaches `full_at` (by eye: 0.22 / 0.06 left the curls, 0.3 /
# 0.12 took them without flattening the cheek; the CNN's happy 0.77 -> 0.54 on sad)
# Only darkness beyond the skin's own texture is lifted: its `texture_share` quantile around the
# rest corners (by eye on the pencil drawing of the sample portrait: lifting all its hatching left
# a white blotch beside the mouth; a photo's quantile is a few levels and changes nothing). The
# lift fades as that texture goes from `texture_fade`[0] to [1] levels: the drawing's (35) and
# the painting's (31) folds are strokes, and lifted fully they became grey smudges, unlifted they
# kept the smile (a FER2013 CNN read the drawing's anger happy 0.81; at a third of the lift,
# 0.66, with the strokes only softened, by eye); the smiling photo measures 3.6, grace_hopper.jpg's
# wrinkled skin 8.4
UNSMILE = {"radius": 0.3, "sigma": 0.12, "full_at": 0.5, "min": 0.05, "lip_feather": 0.015,
           "texture_share": 0.75, "texture_fade": (12.0, 48.0)}
# ... and the smile's cheeks ironed (core/rig/unsmile.py _iron), sizes in IPD: the shading
# between a `fine` and a `coarse` blur (a nasolabial fold is ~0.03-0.08 IPD wide, a raised cheek
# ~0.3) is taken out by `share` over each cheek's fold zone, feathered by `feather` and kept
# `keep_margin` off the lips. On the smiling photo (by eye, set to sad and angry; measured in its
# cheek zones): `fine` at 0.012 flattened the folds but took 22 % of the pores' and freckles'
# contrast (below 0.012 IPD) with it and looked airbrushed at share 1; at 0.03 and share 0.8
# the folds stayed visible (their 0.03-0.1 IPD band -44 %); at 0.025 and 1.0 the band falls 60 %,
# the pores' contrast 16 %, and a FER2013 CNN's p(happy) under anger 0.85 -> 0.44, sadness
# 0.62 -> 0.17
# Both irons work on skin only (unsmile.py _skin_like): a pixel whose level (luma, at 1/4 size)
# stands off the zone's median by `skin_dist` of it (first: fully skin, second: not skin) is left
# alone and kept out of the coarse level, as are the lids, brows and lips. By eye on SadTalker's
# happy.png set to sad (dark hair over the temples, 0.6-0.75 off the skin): without it the hair
# and the lashes pulled the coarse level down and the iron greyed the skin beside them (-23 grey
# levels beside a painted lock of dark hair on the sample portrait); at (0.25, 0.5) the sample's
# furrows under its lower lids stayed (their band 0.77 of before, not 0.66), at (0.55, 0.8) a
# grey cast came back at happy.png's outer eye corner
IRON = {"fine": 0.025, "coarse": 0.1, "share": 1.0, "feather": 0.05, "keep_margin": 0.02,
        "skin_dist": (0.45, 0.7)}
# ... and a laugh's eyes ironed when its cheek raise (rest AU6) is taken away (unsmile.py
# unsquint): the same band over each eye's laugh-line zone (crow's feet, the furrows under the
# lower lid), kept `keep_margin` off the lid openings and brows, in full from a rest AU6 taken of
# `full_at` (as UNSMILE's smile). Sizes as IRON's (crow's feet are ~0.01-0.04 IPD wide);
# feathered less (0.04): the zone lies between the lids and the brows
EYE_IRON = {"fine": 0.025, "coarse": 0.15, "share": 1.0, "feather": 0.04, "keep_margin": 0.03,
            "full_at": 0.5, "skin_dist": IRON["skin_dist"]}

# A side's skin colour (core/face/regions.py skin_colour) leaves out points yellower in hue than
# the face's middle (its skin points within `central` IPD of the pupils' midpoint) by more than
# `yellower` degrees (CIELAB hue; points and middles under `min_chroma` have none): blonde hair
# over a cheek or temple. On deepface's img3 (blonde hair over the right cheek and temple, 8 of
# that side's 26 points on hair: hue 75-90 deg against the middle's 48) the lid reveal painted a
# grey-beige box under a raised brow, RGB (186, 157, 121) -> (196, 148, 123) without them. Only
# yellower: a shadowed side's skin is redder, and a two-sided cut left out the smiling photo's
# shadowed half (its colour 146 -> 195 in red: a lit patch). Over the 50 portraits looked at, 32
# keep their colours, 42 move by at most 4 levels; the most, 10-18 levels, img3, LivePortrait's
# s10 and s42, SadTalker's sad.png (hair over a temple), by eye no worse under a raised brow
SKIN = {"central": 0.75, "yellower": 20.0, "min_chroma": 6.0}

# A raised brow's uncovered lid skin (core/rig/lid_reveal.py): the strip between the brow's lower
# edge and the ring above the lid's fold, once stretched past `stretch_start` x its rest height,
# is drawn toward the portrait's skin colour by up to `share` at `stretch_full` x, fading in
# `steps` from full at the brow to none at the fold ring, feathered by `feather` IPD. Surprise
# stretches the strip 0.8-2.6x on the twelve portraits looked at (the heavy-browed, squinting
# photo the most; the sample portrait's left 2.0x). By eye on those two: a flat fill down to the fold ring
# read as a painted arch; faded, shares 0.5 and 0.75 left a brown cast over a 2.6x strip, and
# at 1 the sample's lid fold still shows (the fade reaches nothing at the fold)
# (`min_rest`: the least rest height in IPD the stretch is measured from; the portraits looked
# at have 0.04-0.17, a near profile's far eye 0.01). The skin colour is each side's own
# (a side-lit face's shadowed socket stays in shadow), and the feather 0.04: at 0.02 the lifted
# strip's edge under the brow showed as a cut-out patch on a side-lit painting of LivePortrait's
# examples in fear (by eye). Nineteenth round: on dark-browed photos with deep-set eyes (Face
# Mesh's lower brow line runs through the hair, the whole strip is hair and socket shadow) a
# 1.4-1.5x stretch already smeared the brow into a band down to the lid, and the band went on
# below the fold ring: the lift now starts at 1.05x, is full at 1.6x, and its fade runs on to
# the ring above the lid (lid_reveal.painted). By eye on seven such portraits and eight others:
# the smear gone on five, the lowest hairs of the brow lifted with it; fair brows unchanged
# Twenty-sixth round: under a brow whose hair is laid back whole (BROW_HAIR) the strip is
# painted from the hair's lower edge out to the temple and in to the nose's root, with
# `hair_levels` from the ring above the lid up (the 0.25-1 fade left a brown cast under the
# whole brow; by eye on SadTalker's art_1, deepface's img16 and img29, SadTalker's happy.png,
# LivePortrait's s0)
# Twenty-seventh round: behind eyeglass frames the strip ends at the top rim (pinned, the fold
# ring lies behind the lens), painted fully (`rim_levels`) down to it; nothing is painted on the
# rim or within `under_rim` IPD under its top edge, nor `past_rim_end` of its length out past
# its lateral end (the frame's end piece); by eye on grace_hopper.jpg's photo and stylized
# copy, a generated portrait in thick black frames (SadTalker's art_6) and two of deepface's
# photos of men in thin ones
# Thirty-second round: the painted strip carries the cheek's grain (luma less its blur at
# `grain_blur` IPD, clipped to `grain_levels`), cut once from the portrait at rest `grain_drop`
# IPD under the ring 5 below the eye (a patch `grain_height` IPD tall, `grain_margin` IPD past the
# strip's ends) and laid with its middle on the strip's middle, by the same mask: one flat colour,
# it read as a box under the brow on textured faces (SadTalker's art_1, "goggles"; LivePortrait's
# s8 turned away). Taken from each frame's cheek instead, the grain crawled as speech moved the
# cheek under it (art_1's surprised take: frame-to-frame change in the strips 3.51 levels against
# 3.34 cut at rest; 2.68 flat). By eye
# on art_1, img3, img16, s0, s8, art_8, the bench's smiling photo and drawing: skin, not a patch
# (1.5x the grain: coarser than the skin round it; at 0.05 IPD under the ring the rows under a
# full surprise's strip top come within ~0.03 IPD of the lower lashes). Not over eyeglass
# frames: the forehead over a raised brow (the cheek lies behind the lens) is stretched there,
# and laid vertical streaks on the gap (grace_hopper's)
REVEAL = {"stretch_start": 1.05, "stretch_full": 1.6, "share": 1.0, "feather": 0.04, "steps": 4,
          "min_rest": 0.03, "hair_levels": (0.6, 1.0, 1.0, 1.0),
          "rim_levels": (1.0, 1.0, 1.0, 1.0), "under_rim": 0.6, "past_rim_end": 0.25,
          "grain_drop": 0.1, "grain_blur": 0.012, "grain_levels": 12.0, "grain_margin": 0.1,
          "grain_height": 0.7}

# A raised brow's hair laid back whole (core/rig/brow_hair.py). Looked for from the brow's upper
# edge down to its lower points pushed `below` of the way to the fold ring, at most `below_ipd`
# IPD (thick brows reach 0.02-0.05 IPD below Face Mesh's lower points on art_1 and img16; at
# the tail the ring lies by the eye's corner, and further a shadowed temple hung off the brow),
# `reach` IPD up and down. Measured against the skin: the side's, or the forehead's right above
# the brow (its `ring_share` percentile) where that is darker. Both brows get a layer when their
# bands' median levels are on average at most `dark` of the skin (and each at most
# `side_dark`): on the 44 portraits looked at, dark brows measure about 0.27-0.65, the light-browed
# sample photo 0.85-0.87, the Mona Lisa's browless ridges 0.71-0.78. A pixel is hair from the
# brow's level (its band's darkest tenth) to `edge` of the way to the skin's (at 0.5 a painted
# soft brow was cut to its dark core and laid up as a hard dash, LivePortrait's s5); where the
# forehead over a column is no lighter than `lit_above` of that way (hair or shadow at the
# temple), the column is left to the warp; `max_height` IPD from the hair's top down at most
# (brows measure 0.06-0.14 per column; hair hanging at a temple 0.2); the alpha softened by
# `soft` IPD (0.7 px left s5's brows hard-edged)
# Over eyeglass frames, brows with no hair layer move as blocks: from `reach` over the upper edge
# down to `block_gap` IPD over the top rim's pins (they lie inside the frame's band: at 0.02 its
# anti-aliased top edge rose with the block as a thin second rim), none where the block would
# be under `block_min` IPD tall on average (brows behind the rims: deepface's img25's left one;
# grace_hopper's right brow stands 0.022 clear of its frame); past the brow's ends the
# rise fades out over `block_taper` IPD. The gap a block leaves is painted with the forehead's
# colour over each column: the `forehead_share` percentile of a band `forehead` IPD over the
# brow's upper edge (the median took the stylized copy's dark strokes in, and its gap showed
# as a grey patch), smoothed along the brow by `forehead_soft` IPD; its grain mirrored down
# from that band laid stacked stripes on the stylized copy. By eye on grace_hopper.jpg, its
# grayscale, stylized and turned copies (benchmarks/bench_legibility.py).
BROW_HAIR = {"below": 0.6, "below_ipd": 0.05, "reach": 0.02, "ring_share": 60, "dark": 0.65,
             "side_dark": 0.8, "edge": 0.75, "lit_above": 0.75, "max_height": 0.15, "soft": 0.02,
             "block_gap": 0.05, "block_min": 0.01, "block_taper": 0.1, "forehead": (0.03, 0.09),
             "forehead_share": 75, "forehead_soft": 0.05}

# Eyeglasses (core/rig/glasses.py finds them, core/rig/rims.py pins them). Cue values measured
# on the benchmark portraits (benchmarks/bench_legibility.py), see the thresholds' comments.
GLASSES = {
    "px_per_ipd": 80,  # the face-aligned resample: a 0.02 IPD wire rim is ~2 px
    "blur_px": 1.0,
    "bridge_half_width": 0.12,  # IPD each side of the midline: the nasal root between the lenses
    "bridge_rows": (-0.3, 0.2),  # IPD around landmark 168 where the bridge may sit
    "rim_span": (-0.3, 0.5),  # IPD from the pupil, inward (-) to outward: the lens's width
    "rim_reach": 0.42,  # IPD above the pupil: the highest a top rim sits (grace_hopper.jpg's
    # cat-eye wings ~0.3); at 0.55 the stylized copy's hat brim took the place of a rim
    "lid_clearance": 0.04,  # IPD above the upper lid: the lid's own edge is not a rim
    "under_gap": 0.02,  # IPD under a first bar where a second one may start
    "under_share": 0.5,  # its strength against the first's (by eye: a thin wire rim drawn on
    # the smiling photo under her brows weighs ~0.6 of them)
    "bar_max": 0.14,  # IPD: the thickest rim (grace_hopper.jpg's cat-eye top ~0.10)
    "pair_share": 0.35,  # a bar's second edge is at least this share of its first
    "trim_share": 0.25,  # a band ends where its bar falls under this share of its median
    # strength (a round wire lens drawn on the smiling photo: its sides leave the band)
    "smooth_cols": 7,  # columns (~0.09 IPD): the band edges are smoothed along the rim
    "band_margin": 0.012,  # IPD: the pinned band reaches this far past each detected edge
    # the decision, all three must hold. Measured (each portrait and its mirror image, 0.5x and
    # 2x): glasses (the photo, grayscale, stylized, turned 20 deg; dark oval and square frames
    # drawn on the smiling photo) bridge 1.80-4.31, rims 0.94-3.33, mirror 0.01-0.07; none (the
    # smiling photo, its pencil drawing and stylized copy) bridge 0.64-0.95, rims 1.2-4.7,
    # mirror 0.01-0.11. The bridge carries the decision (the smiling photo's brows pass as
    # rims); the rims must exist on both sides and mirror each other, so a lone straight crease
    # at the nasal root is not enough. Nineteenth legibility round: the bridge is scored as a bar
    # (its weaker edge; core/rig/glasses.py _bridge): glasses 1.73-2.99 (two photos of a man in
    # thin dark frames 1.95-1.99, thick black frames 2.43; grace_hopper.jpg as the bench crops it,
    # its mirror, half and double size, grayscale, stylized, turned; the drawn frames), 133 faces
    # without them 0-1.23 (as one edge, five of them had scored 1.41-2.88 and been taken for
    # glasses). Thirty-eighth round: the whole bar on one half of the nose, its strongest edge
    # on both (core/rig/glasses.py _bridge): 95 faces looked at, each mirrored, halved and
    # doubled, without glasses 0-1.02; a man in thin metal frames 1.66-1.80 (missed 3 times of 4)
    "bridge_min": 1.4,
    # IPD: the widest bridge bar (thick black frames' 0.175; a rim's bar_max is 0.14)
    "bridge_max": 0.22,
    # each half of the nose shows at least this share of the bridge's bar (a man's slanting thin
    # frames 0.51; a dark patch on one side none), each edge within `bridge_slant` IPD of its row
    "bridge_both_sides": 0.4,
    "bridge_slant": 0.05,
    "rim_min": 0.6,  # the stylized copy's rims, outlined in black, weigh least (0.94)
    # (thick black frames on a generated portrait: 0.083; since the bridge must be a bar, no face
    # without glasses among 133 comes near passing it and the rims, 0.08 -> 0.1)
    "mirror_max": 0.1,
    # pinning (core/rig/rims.py)
    "pin_step": 0.03,  # IPD between pins along a band edge (~2 px at 384 px output)
    "keep_gap": 0.35,  # a brow lowered toward a rim (or a lid raised toward it) keeps at least
    # this share of its rest distance to the band: it tucks behind the frame instead of crossing
    "rise_ramp": 0.15,  # IPD: points closer than this above a band rise less, in proportion
    # (by eye on grace_hopper.jpg surprised: rising in full 0.1 IPD over the rim, the brow skin
    # stretched 3x in a thin strip and rippled; tried again at 0.02-0.06 with the lid reveal
    # painting that strip: a thick brow's lower hairs streaked and a dark wedge rose off the rim
    # on a photo of a man in thin frames)
    "edge_hold": 0.005,  # IPD: points this close to a band's edge are held with it
    "end_reach": 0.1,  # IPD past a band's ends where points are still kept off it
    "reach": 0.25,  # IPD above/below a band within which points are kept off it
}

# Dark lenses (core/rig/glasses.py _dark_lenses): nothing of the eyes shows through them, so
# the lenses are held whole, as the rims are (core/rig/rims.py). An eye's brightest tenth under
# this share of the skin's median tone is no eye showing. Measured (the brightest tenth over the
# skin, each portrait as is, mirrored, halved and doubled): sunglasses drawn on the sample
# portrait 0.145-0.152; eyes behind clear glasses 0.54-1.22, the darkest a stylized painting's
# 0.35-0.53 (grace_hopper.jpg's, strong strokes round the eyes), a pencil drawing's 0.37-0.41.
# Each lens is looked for across `span` IPD from its pupil (inward negative) and
# `reach_up`/`reach_down` IPD above and below it
LENS = {"eye_share": 0.25, "span": (-0.35, 0.5), "reach_up": 0.4, "reach_down": 0.5}

# IPD from the nearest upper lid point: below lo a brow raise moves nothing, above hi all of it
# (eye halo 2 sits ~0.08 IPD above the margin, halo 3 ~0.11, the lower brow 0.16+ on the sample
# portrait; by eye on its surprise and fear renders)
LID_FADE = (0.06, 0.15)
# A dark band over the upper lid (eyeliner, smoky shadow, long lashes: core/rig/lid_band.py)
# rides with the lid margin instead of stretching with a raised brow. Measured per eye along the
# lid-to-brow lines, sampled every `step` IPD on the luminance blurred at `blur` IPD: the run
# from the margin darker than `dark` x the side's skin luminance, the `percentile` over the
# lid's points (made-up photos 0.08-0.14 IPD; a bare lid's lashes and crease 0-0.04, but deep
# sockets and paintings' dark outlines measure as bands too: 46 of the 95 faces looked at have
# a side at 0.06 or more). A band of `band` IPD moves the brows' fade above the lid (LID_FADE)
# to `fade`, kept under the brow's lower edge (au_points._lid_fade), and by the same share the
# skin from the band up to the brow takes the raise evenly (au_points._over_band: with the fade
# alone, AU1 + AU2 stretched the ring over the band 3.7-4.7 times and the skin under the brow
# 1.5-2.0, deepface's img1, img10 and img28: a smoky eye's shadow streaked up to the brow at
# 768 px; now 2.2-3.9 and 1.9-2.5). The liner stays crisp where the raise smeared it into a
# black fan up to the brow (surprise on deepface's img1 and img10,
# SadTalker's people_0, by eye at 512 and 1024 px); (0.11, 0.17) from 0.04 cleaned as well, but
# the two CNN readers' fear fell from 27 and 27 of 95 to 23 and 22 (the eyes look less wide to
# them), against 25 and 25 here
LID_BAND = {"blur": 0.004, "step": 0.004, "reach": 0.2, "dark": 0.45, "percentile": 75,
            "band": (0.06, 0.12), "fade": (LID_FADE, (0.10, 0.17))}

# A whole face's blur (core/rig/face_blur.py): the Gaussian sigma (output px) that a sharp face
# would need to look as soft. The measure is the face box's gradient energy kept under a trial
# blur b, E(blur b) / E = r, so b * sqrt(r / (1 - r)) (natural images' 1/f spectrum: E falls as
# 1 / sigma^2), `iterations` times from `start`. Sharp photos at 512 px measure 0.75-1.7 (their
# own edges and resampling), so `calibration` maps the measure to the blur that gives it: the
# medians over 27 sharp faces (deepface's and LivePortrait's examples at 512 px) blurred by
# known sigmas (0-12 px; the 10-90 % spread is about +-15 %). The region's own softness
# (eyeball.visible_blur, a patch round the mouth or eye) saturates on a small patch: 8 px of
# blur measured 2.4-3.4 there, and a GFPGAN input's made-up mouth and eyes stayed crisp holes
# in the blurred face (0143, 0368, by eye). Under `soft_from` px the face is taken as sharp.
# The made-up parts take a share of it: an iris is smaller than such a blur, and at the whole of
# it a wide-open eye was a grey blob with neither white nor iris (`eyes`; 0368 and 0720 measure
# 12 px, by eye at 512), and an open mouth a pale grey smudge (`mouth`: at 0.75 it began to fade,
# at 0.6 it is dark and as soft as the lips round it). The folds take all of it.
FACE_BLUR = {"start": 2.0, "iterations": 4, "soft_from": 2.0, "eyes": 0.5, "mouth": 0.6,
             "calibration": ((1.2, 1.9, 2.4, 2.9, 3.8, 4.6, 5.2, 5.9, 7.1, 8.4, 9.5),
                             (0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0))}
