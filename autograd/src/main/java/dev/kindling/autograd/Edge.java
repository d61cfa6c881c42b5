package dev.kindling.autograd;

/** Where a gradient goes: the {@code inputNr}-th gradient input of {@code node} (an output of its forward op). */
record Edge(Node node, int inputNr) {}
