//! The part of GitHub's GraphQL schema the fake serves, in SDL as GitHub documents
//! it (docs.github.com/graphql/reference: objects, input objects, connections with
//! `first`/`after`/`last`/`before`), parsed with `graphql-parser`, and the checks
//! GitHub makes before running a document: fields that exist on their type,
//! arguments that exist and required ones given, selections on objects and none
//! on scalars, variables declared, used and typed as the argument they feed.
//! Errors carry GitHub's messages and `extensions.code`.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use graphql_parser::query::{
    Definition, Document, Field, OperationDefinition, Selection, SelectionSet, Type, Value,
    VariableDefinition,
};
use graphql_parser::schema;
use serde_json::{Value as Json, json};

/// The served schema (a subset of GitHub's, field for field as documented).
const SDL: &str = r#"
scalar DateTime
scalar URI
schema { query: Query mutation: Mutation }
type Query {
  repository(owner: String!, name: String!, followRenames: Boolean): Repository
  rateLimit(dryRun: Boolean): RateLimit
  viewer: User!
}
type Mutation {
  addPullRequestReviewThreadReply(input: AddPullRequestReviewThreadReplyInput!): AddPullRequestReviewThreadReplyPayload
  resolveReviewThread(input: ResolveReviewThreadInput!): ResolveReviewThreadPayload
  unresolveReviewThread(input: UnresolveReviewThreadInput!): UnresolveReviewThreadPayload
}
type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: DateTime! used: Int! }
type User { id: ID! login: String! name: String url: URI! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type Repository {
  id: ID! name: String! nameWithOwner: String! isPrivate: Boolean! url: URI!
  pullRequest(number: Int!): PullRequest
  discussion(number: Int!): Discussion
  discussions(first: Int, after: String, last: Int, before: String, categoryId: ID, answered: Boolean): DiscussionConnection!
  discussionCategories(first: Int, after: String, last: Int, before: String, filterByAssignable: Boolean): DiscussionCategoryConnection!
}
type PullRequest {
  id: ID! number: Int! title: String! url: URI!
  reviewThreads(first: Int, after: String, last: Int, before: String): PullRequestReviewThreadConnection!
}
type PullRequestReviewThreadConnection { totalCount: Int! pageInfo: PageInfo! edges: [PullRequestReviewThreadEdge] nodes: [PullRequestReviewThread] }
type PullRequestReviewThreadEdge { cursor: String! node: PullRequestReviewThread }
type PullRequestReviewThread {
  id: ID! path: String! line: Int startLine: Int originalLine: Int originalStartLine: Int
  diffSide: String! startDiffSide: String isResolved: Boolean! isOutdated: Boolean! isCollapsed: Boolean!
  resolvedBy: User viewerCanReply: Boolean! viewerCanResolve: Boolean! viewerCanUnresolve: Boolean!
  subjectType: String! pullRequest: PullRequest!
  comments(first: Int, after: String, last: Int, before: String, skip: Int): PullRequestReviewCommentConnection!
}
type PullRequestReviewCommentConnection { totalCount: Int! pageInfo: PageInfo! edges: [PullRequestReviewCommentEdge] nodes: [PullRequestReviewComment] }
type PullRequestReviewCommentEdge { cursor: String! node: PullRequestReviewComment }
type PullRequestReviewComment {
  id: ID! databaseId: Int author: User authorAssociation: String! body: String! bodyText: String!
  createdAt: DateTime! updatedAt: DateTime! url: URI! path: String! diffHunk: String! outdated: Boolean!
}
type DiscussionConnection { totalCount: Int! pageInfo: PageInfo! edges: [DiscussionEdge] nodes: [Discussion] }
type DiscussionEdge { cursor: String! node: Discussion }
type DiscussionCategoryConnection { totalCount: Int! pageInfo: PageInfo! edges: [DiscussionCategoryEdge] nodes: [DiscussionCategory] }
type DiscussionCategoryEdge { cursor: String! node: DiscussionCategory }
type DiscussionCategory { id: ID! name: String! slug: String! emoji: String! description: String isAnswerable: Boolean! createdAt: DateTime! }
type Discussion {
  id: ID! number: Int! title: String! body: String! bodyText: String! url: URI!
  author: User authorAssociation: String! category: DiscussionCategory!
  isAnswered: Boolean answer: DiscussionComment answerChosenAt: DateTime
  closed: Boolean! locked: Boolean! createdAt: DateTime! updatedAt: DateTime! upvoteCount: Int!
  comments(first: Int, after: String, last: Int, before: String): DiscussionCommentConnection!
}
type DiscussionCommentConnection { totalCount: Int! pageInfo: PageInfo! edges: [DiscussionCommentEdge] nodes: [DiscussionComment] }
type DiscussionCommentEdge { cursor: String! node: DiscussionComment }
type DiscussionComment {
  id: ID! author: User authorAssociation: String! body: String! bodyText: String!
  createdAt: DateTime! updatedAt: DateTime! url: URI! isAnswer: Boolean! upvoteCount: Int!
  replyTo: DiscussionComment
  replies(first: Int, after: String, last: Int, before: String): DiscussionCommentConnection!
}
input AddPullRequestReviewThreadReplyInput { pullRequestReviewThreadId: ID! body: String! clientMutationId: String }
input ResolveReviewThreadInput { threadId: ID! clientMutationId: String }
input UnresolveReviewThreadInput { threadId: ID! clientMutationId: String }
type AddPullRequestReviewThreadReplyPayload { clientMutationId: String comment: PullRequestReviewComment }
type ResolveReviewThreadPayload { clientMutationId: String thread: PullRequestReviewThread }
type UnresolveReviewThreadPayload { clientMutationId: String thread: PullRequestReviewThread }
"#;

/// A type reference as written (`[Foo!]!`).
pub type TypeRef = Type<'static, String>;

/// One field of an object type, or one field of an input object.
#[derive(Debug)]
pub struct FieldDef {
    pub args: Vec<(String, TypeRef)>,
    pub ty: TypeRef,
}

/// The schema, by type name: its fields (empty for scalars) and whether it is an
/// input object.
#[derive(Debug, Default)]
pub struct Schema {
    pub objects: HashMap<String, HashMap<String, FieldDef>>,
    pub inputs: HashMap<String, HashMap<String, TypeRef>>,
}

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let doc = schema::parse_schema::<String>(SDL).expect("the fake's schema parses");
    let mut out = Schema::default();
    for def in doc.definitions {
        match def {
            schema::Definition::TypeDefinition(schema::TypeDefinition::Object(o)) => {
                let fields = o
                    .fields
                    .into_iter()
                    .map(|f| {
                        let args = f
                            .arguments
                            .into_iter()
                            .map(|a| (a.name, a.value_type))
                            .collect();
                        (
                            f.name,
                            FieldDef {
                                args,
                                ty: f.field_type,
                            },
                        )
                    })
                    .collect();
                out.objects.insert(o.name, fields);
            }
            schema::Definition::TypeDefinition(schema::TypeDefinition::InputObject(i)) => {
                let fields = i
                    .fields
                    .into_iter()
                    .map(|f| (f.name, f.value_type))
                    .collect();
                out.inputs.insert(i.name, fields);
            }
            _ => {}
        }
    }
    out
});

/// The named type under lists and non-nulls.
pub fn named(ty: &TypeRef) -> &str {
    match ty {
        Type::NamedType(name) => name,
        Type::ListType(inner) | Type::NonNullType(inner) => named(inner),
    }
}

/// `String!`, `[Int]`... as GraphQL writes it.
pub fn show(ty: &TypeRef) -> String {
    match ty {
        Type::NamedType(name) => name.clone(),
        Type::ListType(inner) => format!("[{}]", show(inner)),
        Type::NonNullType(inner) => format!("{}!", show(inner)),
    }
}

fn show_q<'d>(ty: &Type<'d, &'d str>) -> String {
    match ty {
        Type::NamedType(name) => (*name).to_string(),
        Type::ListType(inner) => format!("[{}]", show_q(inner)),
        Type::NonNullType(inner) => format!("{}!", show_q(inner)),
    }
}

/// One GraphQL error in GitHub's shape.
pub fn error(message: impl Into<String>, code: &str, pos: Option<(usize, usize)>) -> Json {
    let mut e = json!({"message": message.into()});
    if let Some((line, column)) = pos {
        e["locations"] = json!([{"line": line, "column": column}]);
    }
    if !code.is_empty() {
        e["extensions"] = json!({"code": code});
    }
    e
}

/// The operation to run: its kind (`query` or `mutation`), variables and selections.
pub struct Operation<'d> {
    pub root: &'static str,
    pub selection: &'d SelectionSet<'d, &'d str>,
}

/// Checks `doc` with `variables` against the schema; the operation to run, or
/// every error found.
pub fn check<'d>(
    doc: &'d Document<'d, &'d str>,
    variables: &Json,
) -> Result<Operation<'d>, Vec<Json>> {
    let mut ops = Vec::new();
    for def in &doc.definitions {
        match def {
            Definition::Operation(op) => ops.push(op),
            Definition::Fragment(f) => {
                return Err(vec![error(
                    format!(
                        "Fragment {} is not served by this fake; write the fields inline",
                        f.name
                    ),
                    "",
                    Some((f.position.line, f.position.column)),
                )]);
            }
        }
    }
    let [op] = ops.as_slice() else {
        return Err(vec![error(
            "This fake answers documents with exactly one operation",
            "",
            None,
        )]);
    };
    let (root, vars, selection, what): (_, &[VariableDefinition<'d, &'d str>], _, _) = match op {
        OperationDefinition::SelectionSet(s) => ("Query", &[], s, "anonymous query"),
        OperationDefinition::Query(q) => {
            ("Query", &q.variable_definitions, &q.selection_set, "query")
        }
        OperationDefinition::Mutation(m) => (
            "Mutation",
            &m.variable_definitions,
            &m.selection_set,
            "mutation",
        ),
        OperationDefinition::Subscription(_) => {
            return Err(vec![error("Subscriptions are not supported", "", None)]);
        }
    };
    let mut checker = Checker {
        errors: Vec::new(),
        declared: vars
            .iter()
            .map(|v| (v.name.to_string(), &v.var_type))
            .collect(),
        used: HashSet::new(),
        what,
    };
    for v in vars {
        checker.variable_value(v, variables.get(v.name));
    }
    checker.selections(root, selection, &[]);
    for v in vars {
        if !checker.used.contains(v.name) {
            checker.errors.push(error(
                format!("Variable ${} is declared by {what} but not used", v.name),
                "variableNotUsed",
                Some((v.position.line, v.position.column)),
            ));
        }
    }
    if checker.errors.is_empty() {
        Ok(Operation { root, selection })
    } else {
        Err(checker.errors)
    }
}

struct Checker<'d> {
    errors: Vec<Json>,
    declared: HashMap<String, &'d Type<'d, &'d str>>,
    used: HashSet<String>,
    what: &'static str,
}

impl<'d> Checker<'d> {
    /// A provided variable fits its declared type (non-null given, scalars typed).
    fn variable_value(&mut self, def: &'d VariableDefinition<'d, &'d str>, given: Option<&Json>) {
        let given = given.filter(|g| !g.is_null());
        let problem = match (&def.var_type, given) {
            (Type::NonNullType(_), None) if def.default_value.is_none() => {
                Some("Expected value to not be null")
            }
            (_, None) => None,
            (ty, Some(value)) => {
                let ok = match named_q(ty) {
                    "String" | "DateTime" | "URI" => value.is_string(),
                    "ID" => value.is_string() || value.is_i64(),
                    "Int" => value.is_i64() || value.is_u64(),
                    "Boolean" => value.is_boolean(),
                    _ => true,
                };
                (!ok).then_some("Could not coerce value to the variable's type")
            }
        };
        if let Some(explanation) = problem {
            let mut e = error(
                format!(
                    "Variable ${} of type {} was provided invalid value",
                    def.name,
                    show_q(&def.var_type)
                ),
                "",
                Some((def.position.line, def.position.column)),
            );
            e["extensions"] =
                json!({"value": given, "problems": [{"path": [], "explanation": explanation}]});
            self.errors.push(e);
        }
    }

    fn selections(&mut self, on: &str, set: &'d SelectionSet<'d, &'d str>, path: &[String]) {
        for item in &set.items {
            match item {
                Selection::Field(f) => self.field(on, f, path),
                Selection::FragmentSpread(s) => self.errors.push(error(
                    format!(
                        "Fragment spread ...{} is not served by this fake",
                        s.fragment_name
                    ),
                    "",
                    Some((s.position.line, s.position.column)),
                )),
                Selection::InlineFragment(i) => self.errors.push(error(
                    "Inline fragments are not served by this fake",
                    "",
                    Some((i.position.line, i.position.column)),
                )),
            }
        }
    }

    fn field(&mut self, on: &str, f: &'d Field<'d, &'d str>, path: &[String]) {
        let pos = Some((f.position.line, f.position.column));
        if f.name == "__typename" {
            return;
        }
        let Some(def) = SCHEMA.objects.get(on).and_then(|fields| fields.get(f.name)) else {
            let mut e = error(
                format!("Field '{}' doesn't exist on type '{on}'", f.name),
                "undefinedField",
                pos,
            );
            e["extensions"]["typeName"] = json!(on);
            e["extensions"]["fieldName"] = json!(f.name);
            self.errors.push(e);
            return;
        };
        for (name, value) in &f.arguments {
            match def.args.iter().find(|(a, _)| a == name) {
                None => self.errors.push(error(
                    format!("Field '{}' doesn't accept argument '{name}'", f.name),
                    "argumentNotAccepted",
                    pos,
                )),
                Some((_, ty)) => self.argument(f.name, name, ty, value, pos),
            }
        }
        let missing: Vec<&str> = def
            .args
            .iter()
            .filter(|(name, ty)| {
                matches!(ty, Type::NonNullType(_))
                    && !f.arguments.iter().any(|(given, _)| given == name)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if !missing.is_empty() {
            self.errors.push(error(
                format!(
                    "Field '{}' is missing required arguments: {}",
                    f.name,
                    missing.join(", ")
                ),
                "missingRequiredArguments",
                pos,
            ));
        }
        let target = named(&def.ty);
        let is_object = SCHEMA.objects.contains_key(target);
        if is_object && f.selection_set.items.is_empty() {
            self.errors.push(error(
                format!(
                    "Field must have selections (field '{}' returns {target} but has no selections. Did you mean '{} {{ ... }}'?)",
                    f.name, f.name
                ),
                "selectionMismatch",
                pos,
            ));
        } else if !is_object && !f.selection_set.items.is_empty() {
            self.errors.push(error(
                format!(
                    "Selections can't be made on scalars (field '{}' returns {} but has selections)",
                    f.name,
                    show(&def.ty)
                ),
                "selectionMismatch",
                pos,
            ));
        } else if is_object {
            let mut path = path.to_vec();
            path.push(f.name.to_string());
            self.selections(target, &f.selection_set, &path);
        }
    }

    /// An argument's value: a variable of the same type (a nullable variable may
    /// not feed a required argument), an input object with its fields, or a literal.
    fn argument(
        &mut self,
        field: &str,
        name: &str,
        ty: &TypeRef,
        value: &'d Value<'d, &'d str>,
        pos: Option<(usize, usize)>,
    ) {
        match value {
            Value::Variable(var) => {
                self.used.insert(var.to_string());
                let Some(declared) = self.declared.get(*var).copied() else {
                    self.errors.push(error(
                        format!("Variable ${var} is used by {} but not declared", self.what),
                        "variableNotDefined",
                        pos,
                    ));
                    return;
                };
                let nullable_into_required =
                    matches!(ty, Type::NonNullType(_)) && !matches!(declared, Type::NonNullType(_));
                if named_q(declared) != named(ty) || nullable_into_required {
                    self.errors.push(error(
                        format!(
                            "Type mismatch on variable ${var} and argument {name} ({} / {})",
                            show_q(declared),
                            show(ty)
                        ),
                        "variableMismatch",
                        pos,
                    ));
                }
            }
            Value::Object(fields) => {
                let input_name = named(ty);
                let Some(input) = SCHEMA.inputs.get(input_name) else {
                    self.errors.push(error(
                        format!("Argument '{name}' on Field '{field}' has an invalid value"),
                        "argumentLiteralsIncompatible",
                        pos,
                    ));
                    return;
                };
                for (key, inner) in fields {
                    match input.get(*key) {
                        None => self.errors.push(error(
                            format!("InputObject '{input_name}' doesn't accept argument '{key}'"),
                            "argumentNotAccepted",
                            pos,
                        )),
                        Some(inner_ty) => self.argument(input_name, key, inner_ty, inner, pos),
                    }
                }
                for (key, inner_ty) in input {
                    if matches!(inner_ty, Type::NonNullType(_))
                        && !fields.contains_key(key.as_str())
                    {
                        self.errors.push(error(
                            format!(
                                "Argument '{key}' on InputObject '{input_name}' is required. Expected type {}",
                                show(inner_ty)
                            ),
                            "missingRequiredInputObjectAttribute",
                            pos,
                        ));
                    }
                }
            }
            literal => {
                let ok = match (named(ty), literal) {
                    (_, Value::Null) => !matches!(ty, Type::NonNullType(_)),
                    ("Int", Value::Int(_)) => true,
                    ("Boolean", Value::Boolean(_)) => true,
                    ("String" | "ID", Value::String(_)) => true,
                    ("ID", Value::Int(_)) => true,
                    _ => false,
                };
                if !ok {
                    self.errors.push(error(
                        format!(
                            "Argument '{name}' on Field '{field}' has an invalid value. Expected type '{}'.",
                            show(ty)
                        ),
                        "argumentLiteralsIncompatible",
                        pos,
                    ));
                }
            }
        }
    }
}

fn named_q<'a>(ty: &'a Type<'a, &'a str>) -> &'a str {
    match ty {
        Type::NamedType(name) => name,
        Type::ListType(inner) | Type::NonNullType(inner) => named_q(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(query: &str, variables: Json) -> Vec<String> {
        let doc = graphql_parser::parse_query::<&str>(query).unwrap();
        match check(&doc, &variables) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .iter()
                .map(|e| e["message"].as_str().unwrap().to_string())
                .collect(),
        }
    }

    #[test]
    fn the_schema_parses_and_has_the_served_roots() {
        assert!(SCHEMA.objects["Query"].contains_key("repository"));
        assert!(SCHEMA.objects["Mutation"].contains_key("resolveReviewThread"));
        assert!(SCHEMA.inputs.contains_key("ResolveReviewThreadInput"));
    }

    #[test]
    fn documents_are_checked_like_github_does() {
        let ok = "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } }";
        assert!(errors(ok, json!({"o": "a", "n": "b"})).is_empty());
        let e = errors(ok, json!({"o": "a"}));
        assert!(
            e[0].contains("Variable $n of type String! was provided invalid value"),
            "{e:?}"
        );
        let e = errors(
            "{ repository(owner: \"a\", name: \"b\") { nope } }",
            json!({}),
        );
        assert_eq!(e, ["Field 'nope' doesn't exist on type 'Repository'"]);
        let e = errors("{ repository(owner: \"a\") { id } }", json!({}));
        assert!(e[0].contains("missing required arguments: name"), "{e:?}");
        let e = errors(
            "query($n: Int) { repository(owner: \"a\", name: $n) { id } }",
            json!({}),
        );
        assert!(e[0].contains("Type mismatch on variable $n"), "{e:?}");
        let e = errors("query($x: ID!) { viewer { login } }", json!({"x": "1"}));
        assert!(e[0].contains("declared by query but not used"), "{e:?}");
        let e = errors("{ repository(owner: \"a\", name: \"b\") }", json!({}));
        assert!(e[0].contains("must have selections"), "{e:?}");
        let e = errors(
            "mutation { resolveReviewThread(input: {id: \"x\"}) { thread { id } } }",
            json!({}),
        );
        assert!(
            e.iter().any(|m| m.contains("doesn't accept argument 'id'")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.contains("'threadId' on InputObject")),
            "{e:?}"
        );
    }
}
