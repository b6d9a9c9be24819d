{{- define "hindsight.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hindsight.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hindsight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hindsight.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hindsight.labels" -}}
{{ include "hindsight.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hindsight.secretName" -}}
{{- .Values.existingSecret | default (include "hindsight.fullname" .) -}}
{{- end -}}

{{- define "hindsight.claimName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "hindsight.fullname" .)) -}}
{{- end -}}

{{/* Refuse settings that cannot work rather than deploy them. */}}
{{- define "hindsight.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.database.url) -}}
{{- fail "replicaCount > 1 needs database.url: replicas share one PostgreSQL (the embedded H2 database is per pod)" -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) .Values.persistence.enabled (not .Values.persistence.existingClaim) (ne .Values.persistence.accessMode "ReadWriteMany") -}}
{{- fail "replicaCount > 1 needs persistence.accessMode=ReadWriteMany: every replica must read the checkpoints of jobs it takes over" -}}
{{- end -}}
{{- if and (not .Values.existingSecret) (not .Values.apiKey) -}}
{{- fail "set apiKey (the bootstrap API key) or existingSecret" -}}
{{- end -}}
{{- end -}}
