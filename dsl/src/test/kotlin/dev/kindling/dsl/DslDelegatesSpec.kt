package dev.kindling.dsl

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs

/** Heads of the delegate specs: a DSL module with a child layer and a batch norm. */
internal class DelegateHead : Module() {
    val fc by linear(8, 3)
    val bn by batchNorm1d(3)
    override fun forward(input: Tensor): Tensor = bn(fc(input))
}

/**
 * The PyTorch model these keys come from:
 * ```
 * class Net(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8))
 *         self.scale = nn.Parameter(torch.ones(8))
 *         self.register_buffer("steps", torch.zeros(1))
 *         self.head = Head()          # self.fc = nn.Linear(8, 3); self.bn = nn.BatchNorm1d(3)
 * ```
 */
internal class DelegateNet : Module() {
    val encoder by sequential { linear(4, 8); relu(); layerNorm(8) }
    val scale by parameter(ones(8))
    var steps by buffer(zeros(1))
    val head by module(DelegateHead())
    override fun forward(input: Tensor): Tensor = head(encoder(input) * scale)
}

class DslDelegatesSpec : FunSpec({
    beforeTest { seed(4) }

    test("delegates register under the property names, so state-dict keys equal the PyTorch model's") {
        DelegateNet().stateDict().keys.toList() shouldBe listOf(
            "scale", "steps",
            "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
            "head.fc.weight", "head.fc.bias", "head.bn.weight", "head.bn.bias",
            "head.bn.running_mean", "head.bn.running_var", "head.bn.num_batches_tracked",
        )
    }

    test("children keep declaration order, and the properties return the registered objects") {
        val net = DelegateNet()
        net.namedChildren().keys.toList() shouldBe listOf("encoder", "head")
        net.namedChildren()["head"] shouldBeSameInstanceAs net.head
        net.namedParameters()["scale"] shouldBeSameInstanceAs net.scale
        net.head.namedChildren().keys.toList() shouldBe listOf("fc", "bn")
        net.namedParameters()["head.fc.weight"] shouldBeSameInstanceAs net.head.fc.weight
    }

    test("model(x) runs forward") {
        val net = DelegateNet()
        val x = randn(5, 4)
        net(x).shouldMatch(net.forward(x))
        net(x).shouldMatch(net.head.forward(net.encoder.forward(x).mul(net.scale)))
    }

    test("parameter marks its tensor as trained; requiresGrad = false freezes it; null registers nothing") {
        val m = object : Module() {
            val w by parameter(zeros(2, 2))
            val frozen by parameter(ones(2), requiresGrad = false)
            val absent by parameter(null as Tensor?)
        }
        m.w.requiresGrad() shouldBe true
        m.frozen.requiresGrad() shouldBe false
        m.absent shouldBe null
        m.stateDict().keys.toList() shouldBe listOf("w", "frozen")
        m.parameters().size shouldBe 2
    }

    test("assigning a var buffer re-registers the new tensor under the same name") {
        val net = DelegateNet()
        val next = net.steps + 1
        net.steps = next
        net.namedBuffers()["steps"] shouldBeSameInstanceAs next
        net.stateDict()["steps"]!!.values() shouldBe listOf(1.0)
    }

    test("any module is a delegate, spelled module(...) or not") {
        val m = object : Module() {
            val a by Linear(2, 3)
            val b by module(Identity())
            val list by moduleList(linear(3, 3), relu())
            val dict by moduleDict("cls" to linear(3, 2))
        }
        m.stateDict().keys.toList() shouldBe listOf("a.weight", "a.bias", "list.0.weight", "list.0.bias", "dict.cls.weight", "dict.cls.bias")
        m.namedChildren().keys.toList() shouldBe listOf("a", "b", "list", "dict")
    }

    test("sequential { } registers its layers as 0, 1, ... and runs them in order") {
        val model = sequential { linear(784, 128); relu(); dropout(0.2); linear(128, 10) }
        model.stateDict().keys.toList() shouldBe listOf("0.weight", "0.bias", "3.weight", "3.bias")
        model.toString() shouldBe "Sequential(\n  (0): Linear(784 => 128)\n  (1): ReLU()\n  (2): Dropout(p=0.2)\n  (3): Linear(128 => 10)\n)"
        model.eval()
        val x = randn(2, 784)
        val fc1 = model.get(0) as Linear
        val fc2 = model.get(3) as Linear
        model(x).shouldMatch(fc2.forward(fc1.forward(x).relu()))
    }

    test("sequential { } takes any module with + or add, and nests") {
        val model = sequential {
            +DelegateHead()
            sequential { tanh(); identity() }
            add(Flatten())
        }
        model.namedChildren().keys.toList() shouldBe listOf("0", "1", "2")
        model.stateDict().keys.first() shouldBe "0.fc.weight"
        (model.get(1) as Sequential).size() shouldBe 2
    }

    test("every layer factory builds the Java layer with PyTorch's defaults, as a value, a delegate and a builder step") {
        val layers = object : Module() {
            val linear by linear(3, 4, bias = false)
            val bilinear by bilinear(2, 3, 4)
            val batchNorm1d by batchNorm1d(5, momentum = null)
            val layerNorm by layerNorm(4, 5, eps = 1e-3)
            val dropout by dropout()
            val embedding by embedding(10, 3, paddingIdx = 0)
            val flatten by flatten()
            val unflatten by unflatten(1, 2, 5)
            val identity by identity()
            val relu by relu()
            val leakyRelu by leakyRelu(0.2)
            val elu by elu()
            val gelu by gelu(approximate = "tanh")
            val silu by silu()
            val sigmoid by sigmoid()
            val tanh by tanh()
            val softmax by softmax(dim = 1)
            val logSoftmax by logSoftmax(dim = -1)
            val softplus by softplus(beta = 2.0)
            val hardtanh by hardtanh()
            val prelu by prelu(numParameters = 3)
        }
        val java: List<Module> = listOf(
            Linear(3, 4, false), Bilinear(2, 3, 4), BatchNorm1d(5, 1e-5, null, true, true), LayerNorm(intArrayOf(4, 5), 1e-3, true, true),
            Dropout(0.5), Embedding(10, 3, 0, null), Flatten(1, -1), Unflatten(1, 2, 5), Identity(), ReLU(), LeakyReLU(0.2), ELU(1.0),
            GELU("tanh"), SiLU(), Sigmoid(), Tanh(), Softmax(1), LogSoftmax(-1), Softplus(2.0, 20.0), Hardtanh(-1.0, 1.0), PReLU(3, 0.25),
        )
        val kotlin = layers.namedChildren()
        kotlin.keys.toList() shouldBe listOf(
            "linear", "bilinear", "batchNorm1d", "layerNorm", "dropout", "embedding", "flatten", "unflatten", "identity", "relu",
            "leakyRelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "logSoftmax", "softplus", "hardtanh", "prelu",
        )
        val built = sequential {
            linear(3, 4, bias = false); bilinear(2, 3, 4); batchNorm1d(5, momentum = null); layerNorm(4, 5, eps = 1e-3); dropout()
            embedding(10, 3, paddingIdx = 0); flatten(); unflatten(1, 2, 5); identity(); relu(); leakyRelu(0.2); elu()
            gelu(approximate = "tanh"); silu(); sigmoid(); tanh(); softmax(dim = 1); logSoftmax(dim = -1); softplus(beta = 2.0)
            hardtanh(); prelu(numParameters = 3)
        }.children()
        for ((i, expected) in java.withIndex()) {
            val name = kotlin.keys.elementAt(i)
            withClue(name) {
                kotlin.getValue(name).javaClass shouldBe expected.javaClass
                kotlin.getValue(name).toString() shouldBe expected.toString()
                built[i].toString() shouldBe expected.toString()
                kotlin.getValue(name).stateDict().mapValues { it.value.dims() } shouldBe expected.stateDict().mapValues { it.value.dims() }
            }
        }
        (layers.dropout.p) shouldBe 0.5
        (layers.embedding.paddingIdx) shouldBe 0
    }
})
