// What a Backstage plugin does with the engine's API, written against the types that
// openapi-typescript generates from docs/openapi.json. If the document stops describing
// a body (say it becomes a bare object), these lines stop type-checking.
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/api";

type Schemas = components["schemas"];
export type Recommendation = Schemas["RecommendationDocument"];
export type Problem = Schemas["Problem"];

export const engine = createClient<paths>({ baseUrl: "https://slo-engine.example" });

export async function balancedAvailabilityTarget(serviceId: string): Promise<number | null> {
  const { data, error } = await engine.GET("/api/v1/services/{service_id}/slo-recommendations", {
    params: { path: { service_id: serviceId }, query: { period_days: 28, sli_type: "all" } },
  });
  if (error !== undefined) {
    const problem: Problem = error;
    throw new Error(`${problem.title}: ${problem.detail}`);
  }
  for (const item of data.recommendations) {
    if (item.sli_type === "availability") {
      const tier = item.tiers.balanced;
      const period: number | null | undefined = tier.breach_probability_period_days;
      return period === 28 ? tier.target : null;
    }
  }
  return null;
}

export function latencyTargets(document: Recommendation): Record<string, number | null> {
  const targets: Record<string, number | null> = {};
  for (const item of document.recommendations) {
    if (item.sli_type === "latency") {
      for (const [tier, view] of Object.entries(item.tiers)) {
        targets[tier] = view.target_ms ?? null;
      }
    }
  }
  return targets;
}

export async function acceptBalanced(serviceId: string, recommendationId: string): Promise<number> {
  const { data, error } = await engine.POST("/api/v1/services/{service_id}/slos", {
    params: { path: { service_id: serviceId } },
    body: { recommendation_id: recommendationId, action: "accept", selected_tier: "balanced" },
  });
  if (error !== undefined) {
    throw new Error(error.detail);
  }
  // 201 is the new SLO version; 200 a rejection: told apart by their status.
  return data.status === "active" ? data.version : 0;
}

export async function upstreamAtRisk(serviceId: string, proposed: number): Promise<string[]> {
  const { data } = await engine.POST("/api/v1/slos/impact-analysis", {
    body: { service_id: serviceId, proposed_change: { proposed_target: proposed } },
  });
  return (data?.impacted_services ?? []).filter((s) => s.slo_at_risk).map((s) => s.service_id);
}
