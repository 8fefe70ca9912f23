import ArgumentParser
import RunCore

extension PayLab {
    /// `paylab schema`.
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a JSON Schema of the scenario language, for editors.",
            discussion: """
                Every key, its type, its allowed values and what it means. Save it and name it on \
                a scenario's first line for the YAML language server:
                  paylab schema > docs/scenario.schema.json
                  # yaml-language-server: $schema=../docs/scenario.schema.json
                The library's files do this already. See docs/scenario-language.md.
                """
        )

        func run() async throws {
            print(ScenarioSchema.json.rendered(pretty: true))
        }
    }
}
