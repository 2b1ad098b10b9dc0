{{/* The chart's name, or nameOverride. */}}
{{- define "slo-engine.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* release-chart, shortened to fit a DNS label; the release name alone when it holds the chart's. */}}
{{- define "slo-engine.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "component" "api"). */}}
{{- define "slo-engine.componentName" -}}
{{- printf "%s-%s" (include "slo-engine.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "slo-engine.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slo-engine.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slo-engine.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "slo-engine.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slo-engine
{{- end -}}

{{/* Labels of one component: (dict "root" $ "component" "api"). */}}
{{- define "slo-engine.componentLabels" -}}
{{ include "slo-engine.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "slo-engine.componentSelectorLabels" -}}
{{ include "slo-engine.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "slo-engine.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "slo-engine.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository@digest, else repository:tag (the chart's appVersion by default). */}}
{{- define "slo-engine.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The RQ queues a worker serves (adapters/rq_jobs.py QUEUE_NAMES), in its order. */}}
{{- define "slo-engine.queueNames" -}}
graph notifications simulations telemetry recommendations
{{- end -}}

{{- define "slo-engine.stateDir" -}}/var/lib/slo-engine{{- end -}}

{{/*
One setting as an environment variable's value: strings as they are, lists and objects as
JSON (pydantic-settings parses them), whole numbers without an exponent (values arrive as
float64, and 10485760 would otherwise print as 1.048576e+07).
*/}}
{{- define "slo-engine.settingValue" -}}
{{- if kindIs "string" . -}}
{{- . -}}
{{- else if or (kindIs "map" .) (kindIs "slice" .) -}}
{{- toJson . -}}
{{- else if and (kindIs "float64" .) (eq (float64 .) (floor .)) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* A secretKeyRef environment variable: (dict "name" "NEO4J_PASSWORD" "secret" "s" "key" "k"). */}}
{{- define "slo-engine.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}

{{/* The graph store's secret settings: a list of env entries, maybe empty. */}}
{{- define "slo-engine.graphSecretEnvList" -}}
{{- with .Values.graph }}
{{- if eq .backend "neo4j" }}
{{ include "slo-engine.secretEnv" (dict "name" "NEO4J_PASSWORD" "secret" .neo4j.existingSecret "key" .neo4j.passwordKey) }}
{{- else if .falkordb.existingSecret }}
{{ include "slo-engine.secretEnv" (dict "name" "FALKORDB_URL" "secret" .falkordb.existingSecret "key" .falkordb.urlKey) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Every secret setting, each from the Secret you named: a list of env entries, maybe empty. */}}
{{- define "slo-engine.secretEnvList" -}}
{{ include "slo-engine.graphSecretEnvList" . }}
{{- with .Values.redis }}
{{- if .existingSecret }}
{{ include "slo-engine.secretEnv" (dict "name" "REDIS_URL" "secret" .existingSecret "key" .urlKey) }}
{{- end }}
{{- end }}
{{- with .Values.oidc }}
{{- if .enabled }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_OIDC_ISSUER" "secret" .existingSecret "key" .issuerKey) }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_OIDC_AUDIENCE" "secret" .existingSecret "key" .audienceKey) }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_OIDC_JWKS_URL" "secret" .existingSecret "key" .jwksUrlKey) }}
{{- end }}
{{- end }}
{{- with .Values.notifications }}
{{- if .enabled }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_NOTIFICATION_WEBHOOK_URL" "secret" .existingSecret "key" .urlKey) }}
{{- if .teamUrlsKey }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_NOTIFICATION_TEAM_WEBHOOK_URLS" "secret" .existingSecret "key" .teamUrlsKey) }}
{{- end }}
{{- if .secretKey }}
{{ include "slo-engine.secretEnv" (dict "name" "SLO_ENGINE_NOTIFICATION_WEBHOOK_SECRET" "secret" .existingSecret "key" .secretKey) }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Settings from the ConfigMap and the secret ones from their Secrets, plus any entries in
(dict "root" $ "extra" (list ...)); with "graphOnly" true, only the graph store's secrets.
*/}}
{{- define "slo-engine.env" -}}
{{- $secrets := include (ternary "slo-engine.graphSecretEnvList" "slo-engine.secretEnvList" (default false .graphOnly)) .root | trim -}}
envFrom:
  - configMapRef:
      name: {{ include "slo-engine.fullname" .root }}
{{- if or $secrets .extra }}
env:
{{- with $secrets }}
{{ . | indent 2 }}
{{- end }}
{{- with .extra }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The writable directories under a read-only root filesystem. */}}
{{- define "slo-engine.volumeMounts" -}}
volumeMounts:
  - name: state
    mountPath: {{ include "slo-engine.stateDir" . }}
  - name: tmp
    mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{- define "slo-engine.volumes" -}}
volumes:
  - name: state
    emptyDir:
      sizeLimit: {{ .Values.stateVolume.sizeLimit }}
  - name: tmp
    emptyDir:
      sizeLimit: 256Mi
{{- with .Values.extraVolumes }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{/*
What every engine pod has, from (dict "root" $): service account, pod security, pull
secrets. The API token is mounted only for discovery RBAC, and never with "token" false.
*/}}
{{- define "slo-engine.podCommon" -}}
{{- $root := .root -}}
{{- $token := and $root.Values.rbac.discovery.enabled (ternary .token true (hasKey . "token")) -}}
serviceAccountName: {{ include "slo-engine.serviceAccountName" $root }}
automountServiceAccountToken: {{ $token }}
securityContext:
{{ toYaml $root.Values.podSecurityContext | indent 2 }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{- define "slo-engine.configChecksum" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end -}}
