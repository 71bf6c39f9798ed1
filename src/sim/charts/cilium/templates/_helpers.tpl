{{- define "cilium.labels" -}}
app.kubernetes.io/part-of: cilium
{{- end }}
{{- define "cilium.kpr" -}}
{{- if or (eq (toString .Values.kubeProxyReplacement) "true") (eq (toString .Values.kubeProxyReplacement) "strict") -}}true{{- else -}}false{{- end -}}
{{- end }}
