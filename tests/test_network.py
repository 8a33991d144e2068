"""ReLUNetwork: construction, validation, loaders and evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.exceptions import InvalidNetworkError


def test_shapes_and_forward(make_network):
    net = make_network((5, 7, 3), seed=1)
    assert net.layer_sizes == (5, 7, 3)
    assert net.num_layers == 2
    x = np.random.default_rng(0).normal(size=(4, 5))
    expected = np.maximum(x @ net.weights[0].T + net.biases[0], 0) @ net.weights[1].T + net.biases[1]
    np.testing.assert_allclose(net(x), expected)
    np.testing.assert_allclose(net(x[0]), expected[0])


def test_weights_are_read_only(make_network):
    net = make_network((3, 2, 1), seed=0)
    with pytest.raises(ValueError):
        net.weights[0][0, 0] = 1.0


@pytest.mark.parametrize(
    ("weights", "biases", "message"),
    [
        ([np.ones((3, 2))], None, "at least one hidden layer"),
        ([np.ones((3, 2)), np.ones((1, 4))], None, "has 4 inputs"),
        ([np.ones((3, 2)), np.full((1, 3), np.nan)], None, "NaN or infinite"),
        ([np.ones((3, 2)), np.full((1, 3), np.inf)], None, "NaN or infinite"),
        ([np.ones(3), np.ones((1, 3))], None, "must be 2-D"),
        ([np.ones((0, 2)), np.ones((1, 0))], None, "empty dimension"),
        ([np.ones((3, 2)), np.ones((1, 3))], [np.ones(2), None], "biases\\[0\\] must have shape"),
        ([np.ones((3, 2)), np.ones((1, 3))], [None], "got 1 biases for 2 layers"),
        ([[["a"]], np.ones((1, 1))], None, "not a numeric array"),
    ],
)
def test_bad_networks_are_rejected(weights, biases, message):
    with pytest.raises(InvalidNetworkError, match=message):
        ReLUNetwork(weights, biases)


def test_output_direction_validation(make_network):
    net = make_network((3, 4, 2), seed=0)
    np.testing.assert_array_equal(net.output_direction(output=1), [0.0, 1.0])
    np.testing.assert_array_equal(net.output_direction(direction=[1.0, -1.0]), [1.0, -1.0])
    with pytest.raises(ValueError, match="choose one"):
        net.output_direction()
    with pytest.raises(ValueError, match="out of range"):
        net.output_direction(output=2)
    with pytest.raises(ValueError, match="not both"):
        net.output_direction(output=0, direction=[1.0, 0.0])
    with pytest.raises(ValueError, match="must not be zero"):
        net.output_direction(direction=[0.0, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        net.output_direction(direction=[np.nan, 0.0])
    with pytest.raises(TypeError):
        net.output_direction(output=True)


def test_gradients_match_finite_differences(make_network):
    net = make_network((4, 6, 5, 2), seed=3)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    c = np.array([1.0, -0.5])
    grads = net.gradients(x, c)
    eps = 1e-6
    for k in range(3):
        fd = [(c @ net(x[k] + eps * e) - c @ net(x[k] - eps * e)) / (2 * eps) for e in np.eye(4)]
        np.testing.assert_allclose(grads[k], fd, rtol=1e-5, atol=1e-6)


def test_npz_round_trip(tmp_path, make_network):
    net = make_network((4, 3, 3, 2), seed=2)
    path = tmp_path / "net.npz"
    net.save(path)
    assert ReLUNetwork.load(path) == net


def test_load_rejects_files_that_are_not_networks(tmp_path):
    fake = tmp_path / "fake.npz"
    fake.write_bytes(b"this is not a zip archive")
    with pytest.raises(InvalidNetworkError, match="not a valid .npz"):
        ReLUNetwork.load(fake)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, something=np.ones(3))
    with pytest.raises(InvalidNetworkError, match="weight_0"):
        ReLUNetwork.load(wrong)
    other = tmp_path / "net.onnx"
    other.write_bytes(b"x")
    with pytest.raises(InvalidNetworkError, match="unsupported network file type"):
        ReLUNetwork.load(other)
    with pytest.raises(FileNotFoundError):
        ReLUNetwork.load(tmp_path / "missing.npz")


def test_npz_with_object_arrays_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, weight_0=np.array([object()], dtype=object), weight_1=np.ones((1, 1)))
    with pytest.raises(InvalidNetworkError):
        ReLUNetwork.load(path)


torch = pytest.importorskip("torch")


def test_from_torch_matches_forward():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.ReLU(),
        torch.nn.Linear(4, 3),
    )
    net = ReLUNetwork.from_torch(model)
    x = torch.randn(7, 6)
    np.testing.assert_allclose(net(x.numpy().astype(np.float64)), model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "layers",
    [
        lambda nn: [nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 1)],
        lambda nn: [nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1), nn.ReLU()],
        lambda nn: [nn.Conv1d(1, 1, 1)],
        lambda nn: [nn.Linear(3, 3), nn.Dropout(), nn.Linear(3, 1)],
    ],
)
def test_from_torch_rejects_unsupported_layers(layers):
    with pytest.raises(InvalidNetworkError):
        ReLUNetwork.from_torch(torch.nn.Sequential(*layers(torch.nn)))


def test_from_torch_rejects_non_sequential():
    with pytest.raises(InvalidNetworkError, match="Sequential"):
        ReLUNetwork.from_torch(torch.nn.Linear(2, 2))


def test_state_dict_round_trip(tmp_path):
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    assert ReLUNetwork.load(path, activation="relu") == ReLUNetwork.from_torch(model)


def test_pt_file_that_is_a_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("executed",))

    path = tmp_path / "evil.pt"
    torch.save({"0.weight": Evil()}, path)
    with pytest.raises(InvalidNetworkError, match="not a loadable PyTorch state dict"):
        ReLUNetwork.load(path, activation="relu")


def test_pt_file_with_foreign_keys_is_refused(tmp_path):
    path = tmp_path / "odd.pt"
    torch.save({"running_mean": torch.ones(3)}, path)
    with pytest.raises(InvalidNetworkError, match="unexpected state-dict entry"):
        ReLUNetwork.load(path, activation="relu")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_from_sklearn():
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    mlp = MLPClassifier(hidden_layer_sizes=(6, 5), max_iter=50, random_state=0).fit(x, y)
    net = ReLUNetwork.from_sklearn(mlp)
    assert net.layer_sizes == (4, 6, 5, 3)
    np.testing.assert_allclose(np.argmax(net(x), axis=1), mlp.predict(x))
    tanh = MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", max_iter=5).fit(x, y)
    with pytest.raises(InvalidNetworkError, match="relu"):
        ReLUNetwork.from_sklearn(tanh)
    with pytest.raises(InvalidNetworkError, match="not a fitted"):
        ReLUNetwork.from_sklearn(MLPRegressor())


def test_bundled_digits_network_classifies_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    net = digits_mlp()
    accuracy = np.mean(np.argmax(net(digits.data / 16.0), axis=1) == digits.target)
    assert net.layer_sizes == (64, 64, 10)
    assert accuracy > 0.95


def test_state_dict_without_stated_activation_is_refused(tmp_path):
    # a Linear-Tanh-Linear state dict has the same keys as a ReLU one: loading it as ReLU would be a silent lie
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    path = tmp_path / "tanh.pt"
    torch.save(model.state_dict(), path)
    with pytest.raises(InvalidNetworkError, match="activation='relu'"):
        ReLUNetwork.load(path)
    with pytest.raises(ValueError, match="only ReLU"):
        ReLUNetwork.load(path, activation="tanh")
    with pytest.raises(InvalidNetworkError, match="Tanh"):
        ReLUNetwork.from_torch(model)


def test_text_file_named_pt_is_not_a_pytorch_file(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("101\n")
    with pytest.raises(InvalidNetworkError, match="not a PyTorch file"):
        ReLUNetwork.load(path, activation="relu")


@pytest.mark.filterwarnings("ignore:Complex modules are a new feature:UserWarning")
def test_complex_weights_are_refused(tmp_path):
    with pytest.raises(InvalidNetworkError, match="complex"):
        ReLUNetwork([np.ones((2, 2)) * (1 + 1j), np.ones((1, 2))])
    with pytest.raises(InvalidNetworkError, match="complex"):
        ReLUNetwork([np.ones((2, 2)), np.ones((1, 2))], [np.array([1j, 0]), None])
    path = tmp_path / "complex.pt"
    torch.save({"0.weight": torch.ones(2, 2, dtype=torch.complex64), "1.weight": torch.ones(1, 2)}, path)
    with pytest.raises(InvalidNetworkError, match="complex"):
        ReLUNetwork.load(path, activation="relu")
    layer = torch.nn.Linear(2, 2).to(torch.complex64)
    with pytest.raises(InvalidNetworkError, match="complex"):
        ReLUNetwork.from_torch(torch.nn.Sequential(layer, torch.nn.ReLU(), torch.nn.Linear(2, 1)))
