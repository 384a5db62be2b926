extension Graph {
    /// Checks the invariants every stage relies on: ids in range, every value written once, nodes in an order
    /// where each input exists before it is read (so no cycles), arities and types as `ShapeInference` says,
    /// and float32 for every non-constant tensor. Throws every problem found at once.
    public func verify() throws {
        var problems: [Diagnostic] = []
        var defined = [Bool](repeating: false, count: values.count)
        func inRange(_ id: ValueID) -> Bool { id.index >= 0 && id.index < values.count }

        for (i, value) in values.enumerated() {
            if let c = value.constant {
                defined[i] = true
                if c.shape != value.type.shape || c.dtype != value.type.dtype {
                    problems.append(Diagnostic("constant '\(value.name)' has data \(c.type) but type \(value.type)"))
                }
                let stored: Int
                switch c.storage {
                case .floats(let v): stored = v.count
                case .ints(let v): stored = v.count
                }
                if stored != c.count {
                    problems.append(Diagnostic("constant '\(value.name)' holds \(stored) elements for shape \(Shape.describe(c.shape))"))
                }
            }
            if Shape.checkedCount(value.type.shape) == nil || value.type.shape.contains(0) {
                problems.append(Diagnostic("tensor '\(value.name)' has an unsupported shape \(Shape.describe(value.type.shape))"))
            }
        }
        for id in inputs {
            guard inRange(id) else { problems.append(Diagnostic("graph input \(id) out of range")); continue }
            if defined[id.index] { problems.append(Diagnostic("graph input '\(values[id.index].name)' is also a constant")) }
            defined[id.index] = true
        }
        for node in nodes {
            func fail(_ message: String) { problems.append(Diagnostic(node: node.name, op: node.op.name, message)) }
            guard node.inputs.allSatisfy(inRange), node.outputs.allSatisfy(inRange) else {
                fail("refers to a value that does not exist")
                continue
            }
            for input in node.inputs where !defined[input.index] {
                fail("reads '\(values[input.index].name)' before it is computed (cycle or bad order)")
            }
            for output in node.outputs {
                if defined[output.index] { fail("writes '\(values[output.index].name)', which is already defined") }
                defined[output.index] = true
            }
            let inputTypes = node.inputs.map { values[$0.index].type }
            do {
                let expected = try ShapeInference.outputTypes(of: node.op, inputs: inputTypes)
                let actual = node.outputs.map { values[$0.index].type }
                if expected != actual {
                    fail("output types \(actual) differ from inferred \(expected)")
                }
            } catch let d as Diagnostic {
                fail(d.message)
            } catch {
                fail("\(error)")
            }
            for (id, t) in zip(node.inputs, inputTypes) where !values[id.index].isConstant && t.dtype != .float32 {
                fail("input '\(values[id.index].name)' is \(t.dtype.rawValue); only float32 tensors are computed")
            }
        }
        for id in outputs {
            if !inRange(id) { problems.append(Diagnostic("graph output \(id) out of range")) }
            else if !defined[id.index] { problems.append(Diagnostic("graph output '\(values[id.index].name)' is never computed")) }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
    }
}
