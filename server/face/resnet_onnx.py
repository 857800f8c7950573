"""dlib's face-recognition ResNet run by ONNX Runtime: the same weights, about 3x faster.

The network (dlib's ``dnn_face_recognition_ex``, "ResNet-29": 29 conv layers, 128-d output) is
rebuilt here as an ONNX graph from the weights in ``dlib_face_recognition_resnet_model_v1.dat``
(the pinned, sha256-checked file of ``face-recognition-models``), in memory at start-up: no
converted model file is shipped or downloaded. Reading the ``.dat``: dlib serialises a network
from its input upward; every layer's details start with its name as a string (``con_4``,
``affine_``, ``relu_``, ``max_pool_2``, ``avg_pool_2``, ``add_prev_``, ``fc_2``) and every
tensor is a header of varints followed by raw little-endian float32. Only the layer names, the
conv geometry and the parameter tensors are read; the topology (which tags the ``add_prev``
layers join) is dlib's published one and is checked against what the file holds.

dlib's ``add_prev`` adds tensors of different sizes by zero-filling the smaller one at the end
(channels 32→64, and a 3x3 block output against a 4x4 pooled shortcut at 8→4 px): the graph
pads the same way. ``affine`` (inference batch norm) is folded into the conv before it.

The embedding of a 150x150 chip agrees with dlib's ``compute_face_descriptor`` within ~1e-5
(tests/unit/test_face_onnx.py); the chip itself is still cut by dlib (``get_face_chip``, the
same 5-point alignment and bilinear sampling as ``compute_face_descriptor``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CHIP_SIZE = 150
CHIP_PADDING = 0.25  # what compute_face_descriptor uses

_NAMES = (b"con_4", b"affine_", b"relu_", b"max_pool_2", b"avg_pool_2", b"add_prev_", b"fc_2")


class FormatError(ValueError):
    """The .dat is not the network this reader knows."""


@dataclass
class Layer:
    kind: str
    ints: tuple[int, ...] = ()
    params: np.ndarray | None = None
    shape: tuple[int, ...] = ()


@dataclass
class DlibResnet:
    mean_rgb: tuple[float, float, float]
    layers: list[Layer] = field(default_factory=list)


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def varint(self) -> int:
        head = self.data[self.pos]
        size, negative = head & 0x0F, head & 0x80
        if size > 8:
            raise FormatError(f"bad integer at {self.pos}")
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if negative else value

    def real(self) -> float:
        mantissa = self.varint()
        exponent = self.varint()
        return float(mantissa) * 2.0 ** exponent

    def tensor(self) -> tuple[np.ndarray, tuple[int, ...]]:
        if self.varint() != 2:
            raise FormatError(f"unknown tensor version at {self.pos}")
        shape = tuple(self.varint() for _ in range(4))
        count = shape[0] * shape[1] * shape[2] * shape[3]
        end = self.pos + 4 * count
        if end > len(self.data):
            raise FormatError("tensor runs past the end of the file")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).astype(np.float32)
        self.pos = end
        return values, shape


def _find_name(data: bytes, start: int) -> tuple[int, bytes] | None:
    """The next serialised layer name at or after ``start``: (position after it, name)."""
    best: tuple[int, bytes] | None = None
    for name in _NAMES:
        marker = bytes([0x01, len(name)]) + name
        at = data.find(marker, start, best[0] if best else len(data))
        if at >= 0 and (best is None or at < best[0]):
            best = (at, name)
    if best is None:
        return None
    return best[0] + 2 + len(best[1]), best[1]


def read_dat(data: bytes) -> DlibResnet:
    """The layers of a dlib metric-learning ResNet .dat, input first."""
    marker = b"\x01\x15input_rgb_image_sized"
    at = data.find(marker)
    if not data[:64].count(b"loss_metric_") or at < 0:
        raise FormatError("not a dlib loss_metric network with an input_rgb_image_sized input")
    reader = _Reader(data, at + len(marker))
    mean = (reader.real(), reader.real(), reader.real())
    size = (reader.varint(), reader.varint())
    if size != (CHIP_SIZE, CHIP_SIZE):
        raise FormatError(f"input is {size}, expected {CHIP_SIZE}x{CHIP_SIZE}")
    net = DlibResnet(mean)
    pos = reader.pos
    while (found := _find_name(data, pos)) is not None:
        pos, name = found
        reader = _Reader(data, pos)
        if name == b"con_4":
            params, _ = reader.tensor()
            ints = tuple(reader.varint() for _ in range(7))  # filters, nr, nc, stride y/x, padding y/x
            layer = Layer("con", ints, params)
        elif name == b"affine_":
            params, _ = reader.tensor()
            layer = Layer("affine", (), params)
        elif name == b"fc_2":
            outputs, inputs = reader.varint(), reader.varint()
            params, shape = reader.tensor()
            layer = Layer("fc", (outputs, inputs), params, shape)
        elif name in (b"max_pool_2", b"avg_pool_2"):
            ints = tuple(reader.varint() for _ in range(6))  # nr, nc, stride y/x, padding y/x
            layer = Layer(name.decode()[:-2], ints)
        else:
            layer = Layer(name.decode().rstrip("_"))
        net.layers.append(layer)
        pos = reader.pos
    return net


# dlib's anet_type, input first: stem, then (channels, stride) of each residual block
_BLOCKS = [(32, 1)] * 3 + [(64, 2)] + [(64, 1)] * 3 + [(128, 2)] + [(128, 1)] * 2 + \
    [(256, 2)] + [(256, 1)] * 2 + [(256, 2)]


def _pooled(n: int, window: int, stride: int, pad: int) -> int:
    return 1 + (n + 2 * pad - window) // stride


def build_onnx(net: DlibResnet) -> bytes:
    """An ONNX model (bytes): input ``chip`` float32 [N, 3, 150, 150] already normalised
    ((rgb - mean) / 256, see ``chip_tensor``), output ``embedding`` [N, 128]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    layers = list(net.layers)
    nodes: list[Any] = []
    inits: list[Any] = []
    counter = iter(range(10_000))

    def const(array: np.ndarray, hint: str) -> str:
        name = f"{hint}_{next(counter)}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def take(kind: str) -> Layer:
        if not layers or layers[0].kind != kind:
            got = layers[0].kind if layers else "the end"
            raise FormatError(f"expected a {kind} layer, found {got}")
        return layers.pop(0)

    def conv_affine(x: str, channels_in: int, size: int) -> tuple[str, int, int]:
        con, aff = take("con"), take("affine")
        filters, nr, nc, sy, sx, py, px = con.ints
        assert con.params is not None and aff.params is not None
        weights = con.params[:filters * channels_in * nr * nc].reshape(filters, channels_in, nr, nc)
        bias = con.params[filters * channels_in * nr * nc:]
        if bias.size not in (0, filters) or aff.params.size != 2 * filters:
            raise FormatError("conv/affine parameter sizes do not match the network")
        gamma, beta = aff.params[:filters], aff.params[filters:]
        folded_w = weights * gamma[:, None, None, None]
        folded_b = (bias if bias.size else np.zeros(filters, np.float32)) * gamma + beta
        y = node("Conv", [x, const(folded_w.astype(np.float32), "w"), const(folded_b.astype(np.float32), "b")],
                 kernel_shape=[nr, nc], strides=[sy, sx], pads=[py, px, py, px])
        return y, filters, 1 + (size + 2 * py - nr) // sy

    def pad_to(x: str, channels: tuple[int, int], size: tuple[int, int]) -> str:
        """Zero-fill at the end of the channel and spatial axes (dlib's add of unequal tensors)."""
        dc, ds = channels[1] - channels[0], size[1] - size[0]
        if dc == 0 and ds == 0:
            return x
        pads = np.array([0, 0, 0, 0, 0, dc, ds, ds], dtype=np.int64)
        return node("Pad", [x, const(pads, "pads")], mode="constant")

    x, channels, size = "chip", 3, CHIP_SIZE
    x, channels, size = conv_affine(x, channels, size)
    x = node("Relu", [x])
    take("relu")
    mp = take("max_pool")
    nr, nc, sy, sx, py, px = mp.ints
    x = node("MaxPool", [x], kernel_shape=[nr, nc], strides=[sy, sx], pads=[py, px, py, px])
    size = _pooled(size, nr, sy, py)
    for width, stride in _BLOCKS:
        shortcut, short_channels, short_size = x, channels, size
        y, c1, s1 = conv_affine(x, channels, size)
        y = node("Relu", [y])
        take("relu")
        y, c2, s2 = conv_affine(y, c1, s1)
        if c2 != width:
            raise FormatError(f"block has {c2} filters, expected {width}")
        if stride != 1:
            ap = take("avg_pool")
            nr, nc, sy, sx, py, px = ap.ints
            shortcut = node("AveragePool", [shortcut], kernel_shape=[nr, nc], strides=[sy, sx],
                            pads=[py, px, py, px])
            short_size = _pooled(short_size, nr, sy, py)
        take("add_prev")
        out_channels, out_size = max(c2, short_channels), max(s2, short_size)
        y = pad_to(y, (c2, out_channels), (s2, out_size))
        shortcut = pad_to(shortcut, (short_channels, out_channels), (short_size, out_size))
        x = node("Relu", [node("Add", [y, shortcut])])
        take("relu")
        channels, size = out_channels, out_size
    take("avg_pool")  # avg_pool_everything
    x = node("Flatten", [node("GlobalAveragePool", [x])], axis=1)
    fc = take("fc")
    outputs, inputs = fc.ints
    assert fc.params is not None
    if inputs != channels or fc.params.size != inputs * outputs:
        raise FormatError("fc layer does not match the network")
    nodes.append(helper.make_node("MatMul", [x, const(fc.params.reshape(inputs, outputs), "fc")], ["embedding"]))
    if layers:
        raise FormatError(f"{len(layers)} layers left over")
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["N", 3, CHIP_SIZE, CHIP_SIZE])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", outputs])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="dingkaotong")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def chip_tensor(chips: np.ndarray, mean_rgb: tuple[float, float, float]) -> np.ndarray:
    """[N, 150, 150, 3] uint8 RGB chips → the network's input (dlib's input_rgb_image)."""
    x = chips.astype(np.float32)
    x -= np.asarray(mean_rgb, dtype=np.float32)
    x *= 1.0 / 256.0
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class OnnxResnet:
    """An ONNX Runtime session of the network; ``threads`` intra-op threads (1 in a pool worker,
    so that N workers use N cores)."""

    def __init__(self, dat: bytes, *, threads: int = 1) -> None:
        import onnxruntime as ort

        net = read_dat(dat)
        self.mean_rgb = net.mean_rgb
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = build_onnx(net)
        del net
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        del model
        _release_freed_memory()

    def __call__(self, chips: np.ndarray) -> np.ndarray:
        """[N, 150, 150, 3] uint8 RGB chips → [N, 128] float32 embeddings."""
        out = self._session.run(["embedding"], {"chip": chip_tensor(chips, self.mean_rgb)})[0]
        return np.asarray(out, dtype=np.float32)


def _release_freed_memory() -> None:
    """Give the ~150 MB of build-time copies (the .dat, the graph, its bytes) back to the system:
    glibc keeps freed blocks in its arenas, which would count in every face worker's RSS."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        pass
