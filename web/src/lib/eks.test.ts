import { describe, expect, it } from 'vitest'
import { defaultEks, eksParams, validateEks } from './eks'

describe('EKS form', () => {
  it('needs a credential and consistent sizes', () => {
    const e = validateEks({ ...defaultEks(), minSize: 3, desiredSize: 2 })
    expect(Object.keys(e).sort()).toEqual(['credentialID', 'sizes'])
  })
  it('checks existing networking', () => {
    const e = validateEks({ ...defaultEks(), credentialID: 'c', createVPC: false, subnetIDs: 'subnet-0123456789 nope' })
    expect(e.subnetIDs).toMatch(/subnet-0abc/)
  })
  it('builds the provision parameters', () => {
    const p = eksParams({ ...defaultEks(), credentialID: 'c1', region: 'eu-west-1' })
    expect(p.networking).toEqual({ createVPC: true, cidr: '10.0.0.0/16' })
    expect(p.nodeGroups[0]).toMatchObject({ name: 'default', desiredSize: 2, instanceType: 't3.medium' })
    expect(p.clusterRoleARN).toBeUndefined()
  })
})
