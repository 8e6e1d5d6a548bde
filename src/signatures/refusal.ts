// Why a signature did not verify: thrown inside the verifiers, kept as the reason of one attempt.
export class Refusal extends Error {}
