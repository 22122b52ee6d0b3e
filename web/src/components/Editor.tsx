// CodeMirror 6 for YAML: an editor and a side-by-side diff. Loaded lazily
// (see LazyEditor) so the first pages do not pay for it.
import { useEffect, useRef } from 'react'
import { EditorView, basicSetup } from 'codemirror'
import { EditorState } from '@codemirror/state'
import { yaml } from '@codemirror/lang-yaml'
import { MergeView } from '@codemirror/merge'

export function YamlEditor(props: { value: string; onChange?: (v: string) => void; readOnly?: boolean; testId?: string }) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const onChange = useRef(props.onChange)
  onChange.current = props.onChange
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          yaml(),
          EditorState.readOnly.of(!!props.readOnly),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current?.(u.state.doc.toString())
          }),
        ],
      }),
    })
    view.current = v
    return () => v.destroy()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.readOnly])
  useEffect(() => {
    const v = view.current
    if (v && v.state.doc.toString() !== props.value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } })
    }
  }, [props.value])
  return <div className="editor" ref={host} data-testid={props.testId} />
}

export function YamlDiff(props: { before: string; after: string }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const ro = [basicSetup, yaml(), EditorState.readOnly.of(true), EditorView.editable.of(false)]
    const m = new MergeView({ parent: host.current!, a: { doc: props.before, extensions: ro }, b: { doc: props.after, extensions: ro } })
    return () => m.destroy()
  }, [props.before, props.after])
  return <div className="editor" ref={host} data-testid="yaml-diff" />
}

export default YamlEditor
