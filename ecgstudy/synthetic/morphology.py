"""Beat shapes from a few clinical parameters (ms, mV), plus random ST vectors.

:func:`sinus_morphology` builds a conducted beat (normal, LBBB or RBBB conduction; with
or without P; optional ST shift) whose intervals are exactly the requested ones:
PR = qrs_on - p_on, QRS = qrs_off - qrs_on, QT = t_off - qrs_on (ground-truth definitions
of :mod:`.beats`). :func:`pvc_morphology` builds a premature ventricular beat: no P, a
wide QRS along its own axis, and a T opposite to the QRS.

Default dipole directions (x left, y inferior, z posterior) give textbook 12-lead
patterns through the Dower matrix: a normal QRS with septal q in I/V6, rS in V1 and the
transition near V3; LBBB with a broad notched R in I/V5/V6 and a deep QS in V1; RBBB
with rSR' in V1 and a broad S in I/V6.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.synthetic.beats import BeatMorphology
from ecgstudy.synthetic.leads import LEAD_MATRIX_12, TWELVE_LEADS
from ecgstudy.synthetic.waves import StShift, WaveParams

Vec3 = tuple[float, float, float]

DIR_P: Vec3 = (0.55, 0.80, -0.05)
DIR_Q: Vec3 = (-0.60, 0.30, -0.75)
DIR_R: Vec3 = (0.65, 0.60, 0.45)
DIR_S: Vec3 = (-0.40, -0.25, 0.90)
DIR_T: Vec3 = (0.75, 0.45, -0.35)
DIR_LBBB: Vec3 = (0.55, 0.10, 0.85)
DIR_LBBB_LATE: Vec3 = (0.75, -0.05, 0.65)
DIR_LBBB_T: Vec3 = (-0.55, 0.30, -0.80)
DIR_RBBB_TERMINAL: Vec3 = (-0.55, 0.05, -0.83)
DIR_RBBB_T: Vec3 = (0.75, 0.45, 0.30)
DIR_PVC: Vec3 = (-0.35, -0.55, -0.75)

Conduction = Literal["normal", "lbbb", "rbbb"]


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def rotation_matrix(axis: Vec3 | np.ndarray, angle_deg: float) -> np.ndarray:
    """``(3, 3)`` rotation by ``angle_deg`` about ``axis`` (Rodrigues)."""
    k = _unit(axis)
    a = np.deg2rad(angle_deg)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(a) * kx + (1 - np.cos(a)) * (kx @ kx)


def random_rotation(rng: np.random.Generator, sd_deg: float) -> np.ndarray:
    """A rotation about a random axis by a ``N(0, sd_deg)`` angle (patient's heart position)."""
    return rotation_matrix(rng.standard_normal(3), rng.normal(0.0, sd_deg))


def _rot(rotation: np.ndarray | None, d) -> Vec3:
    v = _unit(d) if rotation is None else rotation @ _unit(d)
    return (float(v[0]), float(v[1]), float(v[2]))


def _check_positive(**kw: float) -> None:
    bad = [f"{k} must be > 0, got {v}" for k, v in kw.items() if not (v > 0 and np.isfinite(v))]
    if bad:
        raise ParameterError("; ".join(bad))


def _qrs_waves(conduction: Conduction, d: float, r_amp: float, q_amp: float, s_amp: float,
               r_down: float, rprime_amp: float, rot) -> tuple[tuple[WaveParams, ...], float]:
    """QRS waves spanning exactly ``d`` ms; returns (waves, onset relative to R in ms)."""
    if conduction == "lbbb":
        # Two broad left-posterior waves: onset -d/3, offset +2d/3.
        a = WaveParams(center_ms=0.0, sigma_ms=d / 9, amplitude_mV=0.75 * r_amp, direction=rot(DIR_LBBB))
        b = WaveParams(center_ms=0.3 * d, sigma_ms=0.1 * d, sigma_right_ms=(2 * d / 3 - 0.3 * d) / 3,
                       amplitude_mV=0.6 * r_amp, direction=rot(DIR_LBBB_LATE))
        return (a, b), -d / 3
    base = 0.62 * d if conduction == "rbbb" else d
    on, off = -0.45 * base, 0.55 * base
    q = WaveParams(center_ms=on + 3 * base / 14, sigma_ms=base / 14, amplitude_mV=q_amp, direction=rot(DIR_Q))
    r = WaveParams(center_ms=0.0, sigma_ms=base / 11, sigma_right_ms=base / 11 * r_down,
                   amplitude_mV=r_amp, direction=rot(DIR_R))
    s = WaveParams(center_ms=off - 3 * base / 12, sigma_ms=base / 12, amplitude_mV=s_amp, direction=rot(DIR_S))
    if conduction == "normal":
        return (q, r, s), on
    sig = 0.12 * d
    rp = WaveParams(center_ms=on + d - 3 * sig, sigma_ms=sig, amplitude_mV=rprime_amp,
                    direction=rot(DIR_RBBB_TERMINAL))
    return (q, r, s, rp), on


def sinus_morphology(
    *,
    pr_ms: float = 160.0,
    p_ms: float = 100.0,
    p_amp_mV: float = 0.15,
    p_direction: Vec3 = DIR_P,
    qrs_ms: float = 90.0,
    r_amp_mV: float = 1.3,
    q_amp_mV: float = 0.12,
    s_amp_mV: float = 0.35,
    r_down: float = 1.0,
    conduction: Conduction = "normal",
    rprime_amp_mV: float = 0.7,
    qt_ms: float = 400.0,
    t_amp_mV: float = 0.35,
    t_fraction: float = 0.6,
    t_direction: Vec3 | None = None,
    st_vector_mV: Vec3 | np.ndarray | None = None,
    rotation: np.ndarray | None = None,
    name: str = "sinus",
) -> BeatMorphology:
    """A conducted beat with exact intervals.

    Args:
        pr_ms: PR interval (P onset to QRS onset). p_ms: P duration (capped at PR - 10 ms).
        p_amp_mV: P dipole amplitude; 0 = no P wave (AF). p_direction: P axis.
        qrs_ms: QRS duration. r_amp_mV, q_amp_mV, s_amp_mV: dipole amplitudes (> 0;
            for LBBB only ``r_amp_mV`` is used). r_down: width factor of the R wave's
            falling side (< 1 = steeper downslope).
        conduction: ``"normal"``, ``"lbbb"`` or ``"rbbb"`` (R' of ``rprime_amp_mV``).
        qt_ms: QT (QRS onset to T offset). t_amp_mV: T amplitude (negative = inverted).
        t_fraction: T duration as a fraction of the J-to-T-offset time (rest is ST segment).
        t_direction: T axis; default depends on conduction (discordant in bundle branch block).
        st_vector_mV: ST shift vector (mV) or ``None``.
        rotation: ``(3, 3)`` rotation applied to every wave direction (not to the ST vector).
    """
    _check_positive(pr_ms=pr_ms, p_ms=p_ms, qrs_ms=qrs_ms, qt_ms=qt_ms, r_amp_mV=r_amp_mV,
                    q_amp_mV=q_amp_mV, s_amp_mV=s_amp_mV, r_down=r_down, t_fraction=t_fraction)
    if conduction not in ("normal", "lbbb", "rbbb"):
        raise ParameterError(f"conduction must be 'normal', 'lbbb' or 'rbbb', got {conduction!r}")
    if qt_ms < qrs_ms + 40:
        raise ParameterError(f"qt_ms ({qt_ms:g}) must exceed qrs_ms ({qrs_ms:g}) by at least 40 ms")
    if r_down > 1.8:
        raise ParameterError(f"r_down must be <= 1.8 (R wave inside the QRS), got {r_down}")
    rot = partial(_rot, rotation)
    qrs, on = _qrs_waves(conduction, qrs_ms, r_amp_mV, q_amp_mV, s_amp_mV, r_down, rprime_amp_mV, rot)

    p: tuple[WaveParams, ...] = ()
    if p_amp_mV != 0:
        if pr_ms <= 20:
            raise ParameterError(f"pr_ms must be > 20 ms when a P wave is drawn, got {pr_ms}")
        dur = min(p_ms, pr_ms - 10.0)
        p_on = on - pr_ms
        p = (WaveParams(center_ms=p_on + dur / 2, sigma_ms=dur / 6, amplitude_mV=p_amp_mV,
                        direction=rot(p_direction)),)

    if t_direction is None:
        t_direction = {"normal": DIR_T, "lbbb": DIR_LBBB_T, "rbbb": DIR_RBBB_T}[conduction]
    t_off = on + qt_ms
    room = qt_ms - qrs_ms
    span = float(np.clip(t_fraction * room, min(80.0, room), room))
    t = (WaveParams(center_ms=t_off - 0.4 * span, sigma_ms=0.2 * span, sigma_right_ms=0.4 * span / 3,
                    amplitude_mV=t_amp_mV, direction=rot(t_direction)),)
    st = None if st_vector_mV is None else StShift(vector_mV=tuple(np.asarray(st_vector_mV, dtype=float)))
    return BeatMorphology(p=p, qrs=qrs, t=t, st=st, name=name)


def pvc_morphology(
    *,
    qrs_ms: float = 150.0,
    amp_mV: float = 1.6,
    direction: Vec3 = DIR_PVC,
    second_direction: Vec3 | None = None,
    second_fraction: float = 0.4,
    t_amp_mV: float = 0.45,
    st_ms: float = 30.0,
    t_ms: float = 200.0,
    rotation: np.ndarray | None = None,
    name: str = "pvc",
) -> BeatMorphology:
    """A premature ventricular beat: no P, QRS of exactly ``qrs_ms``, T opposite to the QRS.

    Args:
        qrs_ms: QRS duration (>= 120 ms for a typical PVC).
        amp_mV: dipole amplitude of the main QRS wave, along ``direction``.
        second_direction: axis of the late QRS component (default: ``direction`` turned
            about 50 degrees); ``second_fraction``: its amplitude relative to ``amp_mV``.
        t_amp_mV: T amplitude, along ``-direction`` (discordant T).
        st_ms: QRS offset to T onset. t_ms: T duration.
        rotation: ``(3, 3)`` rotation applied to every direction.
    """
    _check_positive(qrs_ms=qrs_ms, amp_mV=amp_mV, t_ms=t_ms)
    if st_ms < 0:
        raise ParameterError(f"st_ms must be >= 0, got {st_ms}")
    main = _unit(direction)
    if second_direction is None:
        helper = np.array([0.0, 0.0, 1.0]) if abs(main[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        perp = _unit(np.cross(main, helper))
        second = np.cos(np.deg2rad(50)) * main + np.sin(np.deg2rad(50)) * perp
    else:
        second = _unit(second_direction)
    d = qrs_ms
    w1 = WaveParams(center_ms=0.0, sigma_ms=0.15 * d, sigma_right_ms=0.12 * d, amplitude_mV=amp_mV,
                    direction=_rot(rotation, main))
    w2 = WaveParams(center_ms=0.25 * d, sigma_ms=0.1 * d, amplitude_mV=second_fraction * amp_mV,
                    direction=_rot(rotation, second))
    t_on = 0.55 * d + st_ms
    t = WaveParams(center_ms=t_on + 0.6 * t_ms, sigma_ms=0.2 * t_ms, sigma_right_ms=0.4 * t_ms / 3,
                   amplitude_mV=t_amp_mV, direction=_rot(rotation, -main))
    return BeatMorphology(qrs=(w1, w2), t=(t,), name=name)


def random_pvc_direction(rng: np.random.Generator, *, avoid: Vec3 = DIR_R, min_angle_deg: float = 60.0) -> Vec3:
    """A random unit axis at least ``min_angle_deg`` away from ``avoid`` (a PVC's own axis)."""
    ref = _unit(avoid)
    cos_max = np.cos(np.deg2rad(min_angle_deg))
    while True:
        v = _unit(rng.standard_normal(3))
        if float(v @ ref) <= cos_max:
            return (float(v[0]), float(v[1]), float(v[2]))


#: ST vector directions: elevation territories and the diffuse-depression axis.
STE_TERRITORIES: dict[str, Vec3] = {
    "inferior": (0.1, 1.0, 0.1),
    "anterior": (0.2, 0.15, -1.0),
    "lateral": (1.0, -0.35, -0.2),
}
STD_DIRECTION: Vec3 = (-0.75, -0.55, 0.25)
_NOT_AVR = np.array([name != "aVR" for name in TWELVE_LEADS])


def random_st_vector(rng: np.random.Generator, kind: Literal["STE", "STD"], *,
                     level_mV: tuple[float, float] = (0.12, 0.3)) -> np.ndarray:
    """An ST vector (mV, (3,)) whose 2nd-largest shift of the wanted sign (aVR excluded) is
    drawn from ``U(level_mV)``: so at least two leads other than aVR are elevated
    (``"STE"``) or depressed (``"STD"``) by >= ``level_mV[0]``. Reciprocal changes appear
    in the opposite leads, as in real ischaemia (e.g. aVR elevation with diffuse depression).
    """
    if kind == "STE":
        names = list(STE_TERRITORIES)
        base = np.asarray(STE_TERRITORIES[names[int(rng.integers(len(names)))]])
        sign = 1.0
    elif kind == "STD":
        base = np.asarray(STD_DIRECTION)
        sign = -1.0
    else:
        raise ParameterError(f"kind must be 'STE' or 'STD', got {kind!r}")
    u = _unit(_unit(base) + rng.normal(0.0, 0.12, size=3))
    proj = sign * (LEAD_MATRIX_12 @ u)[_NOT_AVR]
    second = np.sort(proj)[-2]
    return u * (rng.uniform(*level_mV) / second)
